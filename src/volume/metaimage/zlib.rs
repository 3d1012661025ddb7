//! `CompressedData = True`: one zlib stream (MetaIO also inflates a gzip
//! one, so rasview does too), checked to its end.
//!
//! flate2's `ZlibDecoder` reports a stream cut short as a clean end of
//! data, and stops at the stream's end without looking at what follows.
//! This reader drives the inflater itself: input that ends before the
//! stream does is an error, the check value (Adler-32, or gzip's CRC-32 and
//! length) is verified by the inflater when the end is reached, and
//! [`StrictInflate::finish`] counts any bytes after the stream.

use flate2::{Decompress, FlushDecompress, Status};
use std::io::{self, Read};

const INPUT_BYTES: usize = 1 << 16;

pub struct StrictInflate<'a> {
    inner: &'a mut dyn Read,
    inflater: Decompress,
    input: Box<[u8]>,
    start: usize,
    end: usize,
    input_ended: bool,
    stream_ended: bool,
    gzip: bool,
}

impl<'a> StrictInflate<'a> {
    /// Inflates what `inner` holds from here: gzip when it starts with
    /// gzip's magic bytes, zlib otherwise.
    pub fn new(inner: &'a mut dyn Read) -> io::Result<Self> {
        let mut input = vec![0u8; INPUT_BYTES].into_boxed_slice();
        let end = crate::volume::files::read_up_to(inner, &mut input[..2])?;
        let gzip = end == 2 && input[..2] == [0x1f, 0x8b];
        Ok(StrictInflate {
            inner,
            inflater: if gzip {
                Decompress::new_gzip(15)
            } else {
                Decompress::new(true)
            },
            input,
            start: 0,
            end,
            input_ended: false,
            stream_ended: false,
            gzip,
        })
    }

    pub fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Inflates the rest of the stream (so that its check value is
    /// verified), then reads what follows it: returns how many bytes there
    /// are after the stream's end (0 for a clean file).
    pub fn finish(mut self) -> io::Result<u64> {
        let mut sink = vec![0u8; 1 << 16];
        while !self.stream_ended {
            if self.read(&mut sink)? == 0 && !self.stream_ended {
                return Err(cut_short());
            }
        }
        let mut trailing = (self.end - self.start) as u64;
        loop {
            match self.inner.read(&mut sink) {
                Ok(0) => break,
                Ok(n) => trailing += n as u64,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(trailing)
    }
}

fn cut_short() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the compressed stream is cut short (it ends before its end marker and check value)",
    )
}

impl Read for StrictInflate<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.stream_ended {
            return Ok(0);
        }
        loop {
            if self.start == self.end && !self.input_ended {
                self.start = 0;
                self.end = 0;
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.end = n;
                self.input_ended = n == 0;
            }
            let (before_in, before_out) = (self.inflater.total_in(), self.inflater.total_out());
            let status = self
                .inflater
                .decompress(
                    &self.input[self.start..self.end],
                    out,
                    FlushDecompress::None,
                )
                .map_err(|e| {
                    let what = if self.gzip { "gzip" } else { "zlib" };
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("corrupt {what} stream: {e}"),
                    )
                })?;
            let consumed = (self.inflater.total_in() - before_in) as usize;
            let produced = (self.inflater.total_out() - before_out) as usize;
            self.start += consumed;
            if status == Status::StreamEnd {
                self.stream_ended = true;
                return Ok(produced);
            }
            if produced > 0 {
                return Ok(produced);
            }
            if self.start == self.end && self.input_ended {
                return Err(cut_short());
            }
            if consumed == 0 && self.start < self.end {
                // Input and room for output, yet no progress: the inflater
                // will not move again.
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the compressed stream stalls",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn inflate(bytes: &[u8]) -> io::Result<(Vec<u8>, u64)> {
        let mut src = bytes;
        let mut z = StrictInflate::new(&mut src)?;
        let mut out = Vec::new();
        z.read_to_end(&mut out)?;
        let trailing = z.finish()?;
        Ok((out, trailing))
    }

    fn data() -> Vec<u8> {
        (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn a_clean_stream_inflates_with_nothing_after() {
        let (out, trailing) = inflate(&zlib(&data())).unwrap();
        assert_eq!(out, data());
        assert_eq!(trailing, 0);
        let mut g = GzEncoder::new(Vec::new(), Compression::fast());
        g.write_all(&data()).unwrap();
        let (out, trailing) = inflate(&g.finish().unwrap()).unwrap();
        assert_eq!((out, trailing), (data(), 0), "gzip, as MetaIO accepts");
    }

    #[test]
    fn a_bad_adler32_is_an_error() {
        let mut z = zlib(&data());
        let n = z.len();
        z[n - 1] ^= 1;
        let err = inflate(&z).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    }

    #[test]
    fn a_cut_stream_is_an_error_even_with_every_voxel_there() {
        let z = zlib(&data());
        // Only the 4-byte Adler-32 is missing: every data byte inflates.
        let err = inflate(&z[..z.len() - 4]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
        let err = inflate(&z[..z.len() / 2]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "{err}");
    }

    #[test]
    fn trailing_bytes_are_counted() {
        let mut z = zlib(&data());
        z.extend_from_slice(b"junk");
        assert_eq!(inflate(&z).unwrap().1, 4);
    }

    #[test]
    fn a_flipped_byte_in_the_middle_is_an_error() {
        let mut z = zlib(&data());
        let n = z.len();
        z[n / 2] ^= 0x55;
        assert!(inflate(&z).is_err());
    }
}
