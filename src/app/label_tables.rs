//! A label table chosen for an overlay in its panel: read (a small text
//! file) and put on that overlay's labels.

use super::window::RasviewApp;
use std::path::Path;

impl RasviewApp {
    /// Names overlay `index`'s values from the table at `path`; a table that
    /// cannot be read is reported where load errors go, naming the file and
    /// line, and the overlay keeps its names.
    pub fn use_label_table(&mut self, index: usize, path: &Path) {
        let table = match crate::volume::read_label_table(path) {
            Ok(table) => table,
            Err(e) => {
                self.viewer.error = Some(e.to_string());
                return;
            }
        };
        let Some(overlay) = self.viewer.overlays.items.get_mut(index) else {
            return;
        };
        overlay.use_table(&table);
        self.viewer.overlays.touch();
        if let Some(w) = table.warnings.first() {
            let more = table.warnings.len() - 1;
            self.viewer.error = Some(if more > 0 {
                format!("{w} (and {more} more)")
            } else {
                w.clone()
            });
        }
    }
}
