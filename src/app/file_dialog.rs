//! File dialogs that never block the window: each runs on a thread of its
//! own (rfd's asynchronous dialog, driven by a small executor there) and the
//! window polls for the answer. Where no dialog can be shown (no desktop
//! portal and no zenity, common under minimal window managers) rfd answers
//! "nothing chosen" at once; an answer sooner than anyone could cancel is
//! taken to mean that, and the window offers a field to type the path in.

use crate::volume::Format;
use std::future::Future;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// What a dialog is for; it decides the title, the filter and what the
/// window does with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Open,
    /// A DICOM series: a folder is chosen, not a file.
    OpenFolder,
    AddOverlay,
    ImportNpy,
    /// Written in the format given (the base's, by default).
    ExportEdges(Format),
    ExportViews,
    /// The overlay at this place in the list, in the format given.
    ExportOverlay(usize, Format),
    /// A label table (names and colours) for the overlay at this place.
    LabelTable(usize),
}

impl Purpose {
    pub fn title(self) -> &'static str {
        match self {
            Purpose::Open => "Open a volume",
            Purpose::OpenFolder => "Open a DICOM folder",
            Purpose::AddOverlay => "Add overlays",
            Purpose::ImportNpy => "Import a NumPy array",
            Purpose::ExportEdges(_) => "Export edges (NIfTI, NRRD or MetaImage by the name)",
            Purpose::ExportViews => "Export views as PNG",
            Purpose::ExportOverlay(..) => "Export the overlay on the base's grid",
            Purpose::LabelTable(_) => "Choose a label table",
        }
    }

    /// The button that acts on a typed path.
    pub fn verb(self) -> &'static str {
        match self {
            Purpose::Open | Purpose::OpenFolder => "Open",
            Purpose::AddOverlay => "Add",
            Purpose::ImportNpy => "Import",
            Purpose::LabelTable(_) => "Use",
            _ => "Save",
        }
    }

    /// A save dialog's suggested name; `None` for picking files.
    pub fn suggested_name(self) -> Option<String> {
        match self {
            Purpose::ExportEdges(format) => Some(format!("edges.{}", format.output_extension())),
            Purpose::ExportViews => Some("views.png".into()),
            Purpose::ExportOverlay(_, format) => {
                Some(format!("overlay_on_base.{}", format.output_extension()))
            }
            _ => None,
        }
    }

    /// The dialog's filters, the first shown first. Files of a DICOM series
    /// often have no extension at all, hence "All files".
    fn filters(self) -> &'static [(&'static str, &'static [&'static str])] {
        const IMAGES: (&str, &[&str]) = (
            "Images (NIfTI, NRRD, MetaImage, DICOM)",
            &[
                "nii", "gz", "hdr", "img", "nrrd", "nhdr", "mha", "mhd", "dcm", "ima",
            ],
        );
        const OUTPUTS: (&str, &[&str]) = ("NIfTI, NRRD, MetaImage", &["nii", "gz", "nrrd", "mha"]);
        const ALL: (&str, &[&str]) = ("All files", &["*"]);
        match self {
            Purpose::ImportNpy => &[("NumPy", &["npy"])],
            Purpose::ExportViews => &[("PNG", &["png"])],
            Purpose::ExportEdges(_) | Purpose::ExportOverlay(..) => &[OUTPUTS],
            Purpose::Open | Purpose::AddOverlay => &[IMAGES, ALL],
            Purpose::OpenFolder => &[],
            Purpose::LabelTable(_) => &[("Label tables", &["txt", "lut", "ctbl", "label"]), ALL],
        }
    }
}

/// Shows a dialog and waits for the answer (on the dialog's own thread):
/// `None` when nothing was chosen. Tests put a stand-in here.
pub type Backend = Arc<dyn Fn(Purpose, Option<PathBuf>) -> Option<Vec<PathBuf>> + Send + Sync>;

/// An answer this quick means no dialog was shown: nobody cancels a
/// dialog within a fifth of a second.
const TOO_QUICK: Duration = Duration::from_millis(200);

/// The files chosen (`None`: nothing), and how long the dialog was open.
type Answer = (Option<Vec<PathBuf>>, Duration);

/// The path field offered when no dialog could be shown.
pub struct TypedPath {
    pub purpose: Purpose,
    pub text: String,
    /// Put the keyboard in the field when it first shows.
    focus: bool,
}

/// The dialog open now, if any, and the path field when none could be shown.
pub struct FileDialogs {
    backend: Backend,
    /// The dialog open now; its thread sends the answer and how long it took.
    open: Option<(Purpose, Receiver<Answer>)>,
    /// Where the last dialog started: a typed path starts there too.
    folder: Option<PathBuf>,
    pub typed: Option<TypedPath>,
}

impl Default for FileDialogs {
    fn default() -> Self {
        FileDialogs::with_backend(Arc::new(rfd_dialog))
    }
}

impl FileDialogs {
    pub fn with_backend(backend: Backend) -> Self {
        FileDialogs {
            backend,
            open: None,
            folder: None,
            typed: None,
        }
    }

    /// Opens a dialog for `purpose` on a thread of its own, starting in
    /// `folder` (the open volume's, say); `wake` repaints the window when it
    /// is answered. One at a time: while one is open, another request is
    /// ignored (the user is looking at it).
    pub fn ask(
        &mut self,
        purpose: Purpose,
        folder: Option<PathBuf>,
        wake: impl Fn() + Send + 'static,
    ) {
        if self.open.is_some() {
            return;
        }
        self.folder = folder.clone();
        let backend = self.backend.clone();
        let (send, receive) = channel();
        let spawned = std::thread::Builder::new()
            .name("rasview-file-dialog".into())
            .spawn(move || {
                let asked = Instant::now();
                let chosen = backend(purpose, folder);
                let _ = send.send((chosen, asked.elapsed()));
                wake();
            });
        match spawned {
            Ok(_) => self.open = Some((purpose, receive)),
            // No thread, no dialog: the path field still works.
            Err(_) => self.offer_field(purpose),
        }
    }

    /// True while a dialog is open.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// The files chosen, once the dialog is answered. A quick empty answer
    /// opens the path field instead.
    pub fn poll(&mut self) -> Option<(Purpose, Vec<PathBuf>)> {
        let (purpose, receiver) = self.open.as_ref()?;
        let purpose = *purpose;
        let (answer, took) = match receiver.try_recv() {
            Ok(answer) => answer,
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            // The dialog's thread ended without an answer: no dialog.
            Err(std::sync::mpsc::TryRecvError::Disconnected) => (None, Duration::ZERO),
        };
        self.open = None;
        match answer.filter(|paths| !paths.is_empty()) {
            Some(paths) => Some((purpose, paths)),
            None => {
                if took < TOO_QUICK {
                    self.offer_field(purpose);
                }
                None
            }
        }
    }

    /// Offers the path field, filled with the folder the dialog would have
    /// started in and the name it would have suggested: a relative path
    /// would land wherever the program happened to start.
    fn offer_field(&mut self, purpose: Purpose) {
        let folder = self.folder.clone().unwrap_or_default();
        let text = folder
            .join(purpose.suggested_name().unwrap_or_default())
            .display()
            .to_string();
        self.typed = Some(TypedPath {
            purpose,
            text,
            focus: true,
        });
    }

    /// The path field, while offered: the path typed, once its button is
    /// pressed (or Enter).
    pub fn show_field(&mut self, ctx: &egui::Context) -> Option<(Purpose, Vec<PathBuf>)> {
        let typed = self.typed.as_mut()?;
        let mut chosen = None;
        let mut close = false;
        egui::Window::new(typed.purpose.title())
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(
                    "No file dialog could be shown here (it needs a desktop portal or zenity). \
                     Type the path instead:",
                );
                let edit = ui.horizontal(|ui| {
                    let label = ui.label("Path");
                    ui.add(egui::TextEdit::singleline(&mut typed.text).desired_width(360.0))
                        .labelled_by(label.id)
                });
                if std::mem::take(&mut typed.focus) {
                    edit.inner.request_focus();
                }
                let entered =
                    edit.inner.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                ui.horizontal(|ui| {
                    let text = typed.text.trim();
                    let act =
                        ui.add_enabled(!text.is_empty(), egui::Button::new(typed.purpose.verb()));
                    if (act.clicked() || entered) && !text.is_empty() {
                        chosen = Some((typed.purpose, vec![PathBuf::from(text)]));
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        if close || chosen.is_some() {
            self.typed = None;
        }
        chosen
    }
}

/// The real dialog: rfd's asynchronous one, driven to its answer here.
fn rfd_dialog(purpose: Purpose, folder: Option<PathBuf>) -> Option<Vec<PathBuf>> {
    let mut dialog = rfd::AsyncFileDialog::new().set_title(purpose.title());
    for (name, extensions) in purpose.filters() {
        dialog = dialog.add_filter(*name, extensions);
    }
    if let Some(folder) = folder {
        dialog = dialog.set_directory(folder);
    }
    let path = |h: rfd::FileHandle| h.path().to_path_buf();
    match purpose {
        Purpose::AddOverlay => {
            block_on(dialog.pick_files()).map(|hs| hs.into_iter().map(path).collect())
        }
        Purpose::Open | Purpose::ImportNpy | Purpose::LabelTable(_) => {
            block_on(dialog.pick_file()).map(|h| vec![path(h)])
        }
        Purpose::OpenFolder => block_on(dialog.pick_folder()).map(|h| vec![path(h)]),
        _ => {
            let dialog = dialog.set_file_name(purpose.suggested_name().unwrap_or_default());
            block_on(dialog.save_file()).map(|h| vec![path(h)])
        }
    }
}

/// Runs a future to its end on this thread, sleeping until it is woken
/// (the dialog's own thread wakes it when the user answers).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_on_waits_for_a_future_woken_from_another_thread() {
        struct Later(Arc<std::sync::Mutex<(bool, Option<Waker>)>>);
        impl Future for Later {
            type Output = u32;
            fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
                let mut state = self.0.lock().unwrap();
                if state.0 {
                    Poll::Ready(7)
                } else {
                    state.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
        let shared = Arc::new(std::sync::Mutex::new((false, None::<Waker>)));
        let other = shared.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            let mut state = other.lock().unwrap();
            state.0 = true;
            if let Some(w) = state.1.take() {
                w.wake();
            }
        });
        assert_eq!(block_on(Later(shared)), 7);
    }
}
