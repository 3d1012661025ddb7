//! Every keyboard shortcut in one table, read both by the key handler and
//! by the help sheet (F1 or ?), so the sheet cannot go stale; the mouse's
//! gestures are listed beside them (their handling is the views' own).

use super::window::RasviewApp;
use egui::{Key, Modifiers};

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    NextSlice,
    PreviousSlice,
    ResetViews,
    ToggleMeasure,
    CancelRuler,
    ToggleMaximise,
    GoTo,
    CopyCursor,
    Help,
}

/// What sets a shortcut off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// A key with exactly these modifiers (Shift aside for symbols).
    Key(Modifiers, Key),
    /// The platform's copy command (Ctrl+C, Cmd+C), which egui reports as
    /// a copy event rather than a key.
    Copy,
}

impl Trigger {
    pub fn describe(&self) -> String {
        match self {
            Trigger::Copy => "Ctrl+C".into(),
            Trigger::Key(m, k) => {
                let mut s = String::new();
                if m.ctrl || m.command {
                    s.push_str("Ctrl+");
                }
                if m.alt {
                    s.push_str("Alt+");
                }
                // The arrows' symbols are not in egui's default font.
                let symbol = k.symbol_or_name();
                s.push_str(if symbol.is_ascii() { symbol } else { k.name() });
                s
            }
        }
    }
}

pub struct Shortcut {
    pub triggers: &'static [Trigger],
    pub action: Action,
    pub what: &'static str,
}

const NONE: Modifiers = Modifiers::NONE;

/// Every keyboard shortcut of the window.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        triggers: &[
            Trigger::Key(NONE, Key::PageUp),
            Trigger::Key(NONE, Key::ArrowUp),
        ],
        action: Action::NextSlice,
        what: "next slice of the active view (one voxel along its normal)",
    },
    Shortcut {
        triggers: &[
            Trigger::Key(NONE, Key::PageDown),
            Trigger::Key(NONE, Key::ArrowDown),
        ],
        action: Action::PreviousSlice,
        what: "previous slice of the active view",
    },
    Shortcut {
        triggers: &[Trigger::Key(NONE, Key::Home)],
        action: Action::ResetViews,
        what: "reset zoom and pan",
    },
    Shortcut {
        triggers: &[Trigger::Key(NONE, Key::M)],
        action: Action::ToggleMeasure,
        what: "measuring mode on or off (two clicks make a ruler)",
    },
    Shortcut {
        triggers: &[Trigger::Key(NONE, Key::Escape)],
        action: Action::CancelRuler,
        what: "drop the ruler being made",
    },
    Shortcut {
        triggers: &[Trigger::Key(NONE, Key::F)],
        action: Action::ToggleMaximise,
        what: "maximise the active view, or restore the layout",
    },
    Shortcut {
        triggers: &[Trigger::Key(NONE, Key::G)],
        action: Action::GoTo,
        what: "type a position in the Go to field",
    },
    Shortcut {
        triggers: &[Trigger::Copy],
        action: Action::CopyCursor,
        what: "copy the cursor's RAS (mm) and voxel",
    },
    Shortcut {
        triggers: &[
            Trigger::Key(NONE, Key::F1),
            Trigger::Key(NONE, Key::Questionmark),
        ],
        action: Action::Help,
        what: "this sheet",
    },
];

/// The mouse's gestures (handled by each view), for the sheet.
pub const MOUSE: &[(&str, &str)] = &[
    ("left click or drag", "move the cursor (all views follow)"),
    ("double click", "maximise the view, or restore the layout"),
    ("wheel", "previous / next slice"),
    ("Ctrl + wheel, pinch", "zoom about the pointer"),
    ("middle drag, Shift + left drag", "pan"),
    ("right drag", "window (horizontal) and level (vertical)"),
    ("click, click (measuring)", "the two ends of a ruler"),
];

/// How many times each action was set off this frame.
fn triggered(ctx: &egui::Context) -> Vec<(Action, u32)> {
    ctx.input(|i| {
        let copy = i
            .events
            .iter()
            .filter(|e| matches!(e, egui::Event::Copy))
            .count() as u32;
        SHORTCUTS
            .iter()
            .map(|s| {
                let n = s
                    .triggers
                    .iter()
                    .map(|t| match *t {
                        Trigger::Copy => copy,
                        Trigger::Key(m, k) => i
                            .events
                            .iter()
                            .filter(|e| match e {
                                egui::Event::Key {
                                    key,
                                    pressed: true,
                                    modifiers,
                                    ..
                                } => {
                                    *key == k
                                        && modifiers.command == m.command
                                        && modifiers.ctrl == m.ctrl
                                        && modifiers.alt == m.alt
                                }
                                _ => false,
                            })
                            .count() as u32,
                    })
                    .sum();
                (s.action, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    })
}

impl RasviewApp {
    /// Acts on the shortcuts pressed this frame, unless a text field has
    /// the keyboard.
    pub(super) fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        for (action, times) in triggered(ctx) {
            self.act(action, times, ctx);
        }
    }

    fn act(&mut self, action: Action, times: u32, ctx: &egui::Context) {
        let plane = self.viewer.active_plane;
        let v = &mut self.viewer;
        match action {
            Action::NextSlice => v.step(plane, times as i32),
            Action::PreviousSlice => v.step(plane, -(times as i32)),
            Action::ResetViews => v.reset_views(),
            Action::ToggleMeasure => v.measure.toggle(),
            Action::CancelRuler => v.measure.pending = None,
            Action::ToggleMaximise => v.layout.toggle_maximise(plane),
            Action::GoTo => {
                v.layout.side_panel = true;
                ctx.memory_mut(|m| m.request_focus(super::goto::field_id()));
            }
            Action::CopyCursor => super::goto::copy_cursor(ctx, v),
            Action::Help => self.help_open = !self.help_open,
        }
    }

    /// The keyboard help sheet, while open.
    pub(super) fn help_sheet(&mut self, ctx: &egui::Context) {
        let mut open = self.help_open;
        egui::Window::new("Keyboard and mouse")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("shortcut sheet")
                    .striped(true)
                    .show(ui, |ui| {
                        for s in SHORTCUTS {
                            let keys: Vec<String> =
                                s.triggers.iter().map(Trigger::describe).collect();
                            ui.strong(keys.join(", "));
                            ui.label(s.what);
                            ui.end_row();
                        }
                        ui.label("");
                        ui.end_row();
                        ui.strong("Mouse");
                        ui.end_row();
                        for (gesture, what) in MOUSE {
                            ui.strong(*gesture);
                            ui.label(*what);
                            ui.end_row();
                        }
                    });
            });
        self.help_open = open;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_shortcut_and_no_key_does_two_things() {
        let mut seen = Vec::new();
        for s in SHORTCUTS {
            assert!(!s.triggers.is_empty(), "{:?}", s.action);
            for t in s.triggers {
                assert!(!seen.contains(t), "{} twice", t.describe());
                seen.push(*t);
            }
        }
        assert_eq!(Trigger::Key(NONE, Key::F1).describe(), "F1");
        assert_eq!(Trigger::Key(NONE, Key::Questionmark).describe(), "?");
    }
}
