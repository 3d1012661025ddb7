//! Data-file name patterns (NRRD's `data file: name%03d.raw ...` and
//! MetaImage's `ElementDataFile = name%03d.raw ...`): C printf with one
//! integer conversion. One home for both readers.

/// Widest field a pattern may ask for: a header's `%999999999d` must not
/// make a gigabyte of spaces per name.
const MAX_WIDTH: usize = 64;

/// `pattern` with its one integer conversion (`%d`, `%i`, `%u`, with the
/// flags `0` and `-` and a width up to 64) filled in by `n`; `%%` is a
/// percent sign. `None` unless there is exactly one such conversion.
pub fn fill(pattern: &str, n: i64) -> Option<String> {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    let mut conversions = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let (mut zero, mut left) = (false, false);
        while let Some(flag) = chars.next_if(|c| *c == '0' || *c == '-') {
            zero |= flag == '0';
            left |= flag == '-';
        }
        let mut width = 0usize;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            width = width * 10 + d as usize;
            chars.next();
            if width > MAX_WIDTH {
                return None;
            }
        }
        match chars.next() {
            Some('d' | 'i' | 'u') => {}
            _ => return None,
        }
        conversions += 1;
        let digits = n.unsigned_abs().to_string();
        let sign = if n < 0 { "-" } else { "" };
        let pad = width.saturating_sub(sign.len() + digits.len());
        if left {
            out.push_str(sign);
            out.push_str(&digits);
            out.extend(std::iter::repeat_n(' ', pad));
        } else if zero {
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', pad));
            out.push_str(&digits);
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(sign);
            out.push_str(&digits);
        }
    }
    (conversions == 1).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fills_one_integer_conversion_as_printf_does() {
        assert_eq!(fill("slice %03d.raw", 7).as_deref(), Some("slice 007.raw"));
        assert_eq!(fill("a%d_%%.raw", 12).as_deref(), Some("a12_%.raw"));
        assert_eq!(fill("a%3d", 5).as_deref(), Some("a  5"));
        assert_eq!(fill("a%-3d|", 5).as_deref(), Some("a5  |"));
        assert_eq!(fill("s%03i", -4).as_deref(), Some("s-04"));
        assert_eq!(fill("s%u.raw", 9).as_deref(), Some("s9.raw"));
        assert_eq!(fill("100%%_%02d", 3).as_deref(), Some("100%_03"));
    }

    #[test]
    fn refuses_none_two_other_conversions_and_absurd_widths() {
        assert_eq!(fill("plain.raw", 1), None);
        assert_eq!(fill("%d_%d", 1), None);
        assert_eq!(fill("%s", 1), None);
        assert_eq!(fill("%999999999d", 1), None);
        assert_eq!(fill("%", 1), None);
    }
}
