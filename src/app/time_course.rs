//! Time courses of a 4D base and its 4D overlays at the cursor: one plot
//! per 4D volume beside the profile, the volume on screen marked. Clicking
//! (or dragging along) a plot shows that volume; Play steps through the
//! volumes, each step waiting for the frame before it to arrive. A 4D
//! overlay follows the base's volume unless given its own.
//!
//! Frames are converted off the UI thread (the base's by
//! `loads::drive_frame_switch`, the overlays' here); reading one voxel in
//! each volume for the plot is cheap enough to redo every frame.

use super::loader::PendingLoad;
use super::overlays::ForeignOverlay;
use super::state::Viewer;
use super::window::RasviewApp;
use crate::volume::{TimeCourse, Volume};
use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, PlotTransform, Points, VLine};
use ndarray::Array3;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The shortest time between two steps of Play: at most ten volumes a
/// second, fewer when a frame takes longer than that to arrive.
pub const PLAY_STEP: Duration = Duration::from_millis(100);

/// Which volume a plot shows the time course of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    Base,
    /// The overlay at this index of the list.
    Overlay(usize),
}

/// The time-course plots and Play, with the overlay frames converting.
#[derive(Default)]
pub struct TimeCourseTool {
    pub playing: bool,
    last_step: Option<Instant>,
    /// Where each plot was last drawn, to map a click to a volume (tests
    /// click through these too).
    pub plots: Vec<(Series, PlotTransform)>,
    /// An overlay frame being converted (one at a time).
    pending: Option<PendingLoad<OverlayFrame>>,
}

/// A frame of a 4D overlay, converted off the UI thread.
pub struct OverlayFrame {
    volume: Arc<Volume>,
    t: usize,
    frame: Array3<f32>,
}

/// Whether an overlay's volumes are times, not a segmentation's layers
/// (which are overlays of their own).
pub fn is_4d(overlay: &ForeignOverlay) -> bool {
    overlay.volume.volume_count > 1 && overlay.volume.labels.is_empty()
}

/// The volume an overlay is to show: its own, or the base's (`base_frame`),
/// within the volumes it holds.
pub fn wanted_overlay_frame(overlay: &ForeignOverlay, base_frame: usize) -> usize {
    let held = overlay.volume.volumes_held();
    let t = overlay.own_frame.unwrap_or(base_frame);
    t.clamp(held.start, held.end.saturating_sub(1).max(held.start))
}

/// Asks for volume `t` of the base (a click on its plot, or Play); the
/// frame is converted off the UI thread and shown when made.
pub fn pick_volume(viewer: &mut Viewer, t: usize) {
    let Some(l) = &viewer.loaded else { return };
    if l.volume.volumes_held().contains(&t) {
        viewer.wanted_frame = (t != l.frame_index).then_some(t);
    }
}

/// Gives overlay `index` a volume of its own (it no longer follows the base).
pub fn pick_overlay_volume(viewer: &mut Viewer, index: usize, t: usize) {
    if let Some(o) = viewer.overlays.items.get_mut(index) {
        if o.volume.volumes_held().contains(&t) {
            o.own_frame = Some(t);
        }
    }
}

impl TimeCourseTool {
    /// The screen point of volume `t` on a plot drawn last frame, at the
    /// plot's vertical middle (tests click there).
    pub fn point_of(&self, series: Series, t: usize) -> Option<egui::Pos2> {
        let (_, transform) = self.plots.iter().find(|(s, _)| *s == series)?;
        let y = transform.frame().center().y;
        Some(egui::pos2(transform.position_from_point_x(t as f64), y))
    }

    /// The plots, under the readout of the info quadrant.
    pub fn show(&mut self, ui: &mut egui::Ui, viewer: &mut Viewer) {
        self.plots.clear();
        let Some(l) = &viewer.loaded else { return };
        let cursor = viewer.cursor_ras;
        if l.volume.volume_count > 1 {
            let course = crate::volume::time_course(&l.volume, cursor);
            let (count, shown, wanted) =
                (l.volume.volume_count, l.frame_index, viewer.wanted_frame);
            let arriving = l.volume.volumes_held().len() < count;
            ui.horizontal(|ui| {
                let play = if self.playing { "Pause" } else { "Play" };
                if ui.button(play).clicked() {
                    self.playing = !self.playing;
                    self.last_step = None;
                }
                ui.label(match (&course, arriving) {
                    (_, true) => {
                        format!("Time course: volume {shown} of {count}; the others are loading")
                    }
                    (Some(c), false) => format!(
                        "Time course at voxel [{}, {}, {}], volume {shown} of 0-{} (click to pick)",
                        c.voxel[0],
                        c.voxel[1],
                        c.voxel[2],
                        count - 1
                    ),
                    (None, false) => "Time course: the cursor is outside".to_string(),
                });
            });
            let clicked = self.plot(ui, Series::Base, course.as_ref(), count, shown, wanted);
            if let Some(t) = clicked {
                pick_volume(viewer, t);
            }
        } else {
            self.playing = false;
        }
        for index in 0..viewer.overlays.items.len() {
            let o = &viewer.overlays.items[index];
            if !is_4d(o) {
                continue;
            }
            let course = crate::volume::time_course(&o.volume, cursor);
            let (count, shown) = (o.volume.volume_count, o.frame_index);
            let held = o.volume.volumes_held();
            let mut follows = o.own_frame.is_none();
            let mut t = o.own_frame.unwrap_or(shown);
            let name = o.name.clone();
            ui.horizontal(|ui| {
                ui.label(format!("{name}: volume {shown} of 0-{}", count - 1));
                ui.checkbox(&mut follows, "follows the base");
                if !follows && held.len() > 1 {
                    ui.add(egui::Slider::new(&mut t, held.start..=held.end - 1).text("Volume"));
                }
            });
            let o = &mut viewer.overlays.items[index];
            o.own_frame = (!follows).then_some(t);
            if let Some(t) = self.plot(
                ui,
                Series::Overlay(index),
                course.as_ref(),
                count,
                shown,
                None,
            ) {
                pick_overlay_volume(viewer, index, t);
            }
        }
    }

    /// One plot: value against volume, the volume shown marked (and the
    /// one asked for, dashed, while it is made). Returns the volume clicked.
    fn plot(
        &mut self,
        ui: &mut egui::Ui,
        series: Series,
        course: Option<&TimeCourse>,
        count: usize,
        shown: usize,
        wanted: Option<usize>,
    ) -> Option<usize> {
        let id = match series {
            Series::Base => "time course".to_string(),
            Series::Overlay(i) => format!("overlay time course {i}"),
        };
        let points: Vec<[f64; 2]> = course
            .map(|c| c.points().map(|(t, v)| [t as f64, v]).collect())
            .unwrap_or_default();
        let response = Plot::new(id)
            .height(90.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .allow_double_click_reset(false)
            .include_x(0.0)
            .include_x(count.saturating_sub(1) as f64)
            .x_axis_label("volume")
            .show(ui, |plot| {
                plot.vline(
                    VLine::new("shown", shown as f64).color(Color32::from_rgb(240, 180, 60)),
                );
                if let Some(t) = wanted {
                    plot.vline(
                        VLine::new("asked for", t as f64)
                            .color(Color32::from_rgb(240, 180, 60))
                            .style(egui_plot::LineStyle::dashed_dense()),
                    );
                }
                let colour = Color32::from_rgb(120, 200, 255);
                plot.line(Line::new("value", PlotPoints::from(points.clone())).color(colour));
                if points.len() <= 120 {
                    plot.points(Points::new("volumes", points).radius(2.0).color(colour));
                }
            });
        self.plots.push((series, response.transform));
        let r = &response.response;
        if !(r.clicked() || r.dragged()) {
            return None;
        }
        let x = response
            .transform
            .value_from_position(r.interact_pointer_pos()?)
            .x;
        let t = x.round().clamp(0.0, count.saturating_sub(1) as f64) as usize;
        (t != shown || wanted.is_some()).then_some(t)
    }
}

impl RasviewApp {
    /// Each frame: takes a converted overlay frame, starts the next one an
    /// overlay needs, and steps Play when the last step's frames are in.
    pub fn drive_time_course(&mut self, ctx: &egui::Context) {
        self.poll_overlay_frame();
        self.start_overlay_frame();
        if self.time_course.playing {
            self.play_step();
            ctx.request_repaint_after(PLAY_STEP);
        }
    }

    /// Waits for the overlay frames being converted (tests).
    pub fn finish_overlay_frames(&mut self) {
        loop {
            self.poll_overlay_frame();
            self.start_overlay_frame();
            if self.time_course.pending.is_none() {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn poll_overlay_frame(&mut self) {
        let Some(pending) = &self.time_course.pending else {
            return;
        };
        match pending.poll() {
            None => return,
            Some(Ok(made)) => {
                let overlays = &mut self.viewer.overlays;
                if let Some(o) = overlays
                    .items
                    .iter_mut()
                    .find(|o| is_4d(o) && Arc::ptr_eq(&o.volume, &made.volume))
                {
                    o.frame = Arc::new(made.frame);
                    o.frame_index = made.t;
                    overlays.touch();
                }
            }
            Some(Err(message)) => self.viewer.error = Some(message),
        }
        self.time_course.pending = None;
    }

    /// The first 4D overlay not showing the volume it should.
    fn overlay_behind(&self) -> Option<(Arc<Volume>, usize)> {
        let base_frame = self.viewer.loaded.as_ref()?.frame_index;
        self.viewer.overlays.items.iter().find_map(|o| {
            let t = wanted_overlay_frame(o, base_frame);
            (is_4d(o) && t != o.frame_index).then(|| (o.volume.clone(), t))
        })
    }

    fn start_overlay_frame(&mut self) {
        if self.time_course.pending.is_some() {
            return;
        }
        let Some((volume, t)) = self.overlay_behind() else {
            return;
        };
        let path = volume.source.header.clone();
        self.time_course.pending = Some(PendingLoad::run(
            "converting",
            path,
            self.repaint_waker(),
            move |_| {
                let frame = volume.frame_f32(t);
                Ok(OverlayFrame { volume, t, frame })
            },
        ));
    }

    /// One step of Play, once the frames of the last step are on screen
    /// (base and following overlays) and `PLAY_STEP` has passed.
    fn play_step(&mut self) {
        let Some(l) = &self.viewer.loaded else {
            self.time_course.playing = false;
            return;
        };
        let held = l.volume.volumes_held();
        let busy = self.viewer.wanted_frame.is_some()
            || self.background.frame.is_some()
            || self.time_course.pending.is_some()
            || self.overlay_behind().is_some();
        let due = self
            .time_course
            .last_step
            .is_none_or(|s| s.elapsed() >= PLAY_STEP);
        if busy || !due || held.len() < 2 {
            return;
        }
        let next = if l.frame_index + 1 < held.end {
            l.frame_index + 1
        } else {
            held.start
        };
        pick_volume(&mut self.viewer, next);
        self.time_course.last_step = Some(Instant::now());
    }
}
