/* dl-train-page.c: the recipe in GSettings, the architecture in DlSpecEditor, the run in
 * DlTraining, the curves in DlChart */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-train-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>
#include <string.h>
#include <math.h>

#include "dl-accessible.h"
#include "dl-chart.h"
#include "dl-format.h"
#include "dl-scroll-guard.h"
#include "dl-dataset-status.h"
#include "dl-recipe.h"
#include "dl-scroll-guard.h"
#include "dl-spec-editor.h"

/* weight of the newest batch in the smoothed loss curve */
#define SMOOTHING 0.05
/* the least time between two progress texts in the status label, in µs */
#define LABEL_INTERVAL (250 * G_TIME_SPAN_MILLISECOND)

struct _DlTrainPage
{
  AdwBin          parent_instance;

  DlSession      *session;

  GtkStack       *stack;
  DlDatasetStatus *dataset_status;
  AdwComboRow    *arch_row;
  AdwComboRow    *optimizer_row;
  GtkSpinButton  *epochs_spin;
  GtkSpinButton  *batch_spin;
  GtkSpinButton  *lr_spin;
  GtkSpinButton  *rotation_spin;
  GtkSpinButton  *validation_spin;
  GtkSpinButton  *seed_spin;
  GtkLabel       *status_label;
  GtkToggleButton *pause_button;
  GtkWidget      *stop_button;
  GtkBox         *charts_box;
  GtkCheckButton *log_scale_check;
  AdwPreferencesGroup *recipe_group;
  AdwPreferencesGroup *arch_group;
  DlSpecEditor   *spec_editor;
  AdwExpanderRow *augment_expander;
  AdwExpanderRow *schedule_expander;
  AdwComboRow    *schedule_row;
  GtkSpinButton  *translate_spin;
  GtkSpinButton  *scale_spin;
  GtkSpinButton  *shear_spin;
  GtkSpinButton  *alpha_spin;
  GtkSpinButton  *sigma_spin;
  GtkSpinButton  *step_epochs_spin;
  GtkSpinButton  *gamma_spin;
  GtkSpinButton  *lr_min_spin;
  GtkSpinButton  *warmup_spin;
  GtkSpinButton  *div_spin;
  GtkSpinButton  *final_div_spin;
  GtkSpinButton  *wd_spin;
  GtkSpinButton  *smoothing_spin;
  GtkSwitch      *all_switch;
  AdwActionRow   *sigma_row;
  AdwActionRow   *step_epochs_row;
  AdwActionRow   *gamma_row;
  AdwActionRow   *lr_min_row;
  AdwActionRow   *warmup_row;
  AdwActionRow   *div_row;
  AdwActionRow   *final_div_row;
  gboolean        syncing_arch;  /* the preset row and the editor are being matched */

  DlChart        *loss_chart;
  DlChart        *accuracy_chart;
  guint           batch_loss, smooth_loss, train_loss, val_loss;
  guint           train_acc, val_acc, test_acc;
  gboolean        overlaid;     /* the charts show recorded runs, not the live series */
  double          smoothed;
  gboolean        have_smoothed;
  NnTrainProgress progress;     /* the newest, for the status label */
  gboolean        progress_due; /* newer than the label */
  gint64          label_time;   /* monotonic µs when the label last showed progress */
  guint           label_source;
  guint           best_epoch;   /* the epoch the run keeps, 0 before the first ended */
  double          best_accuracy; /* its validation accuracy */

  GSettings      *settings;
  DlTraining     *training;
  NnDataset      *dataset;      /* borrowed from the session */

  /* DIGIT_LAB_FRAME_STATS: frame times while training, to the debug log */
  guint           frame_tick;
  gulong          after_paint;
  GdkFrameClock  *frame_clock;
  gint64          frame_last;   /* monotonic µs of the last tick */
  gint64          worst_gap;
  gint64          worst_frame;  /* from a tick to the end of its paint */
  guint           n_frames;
};

static void dl_train_page_page_iface_init (DlPageInterface *iface);
static void update_editor_data (DlTrainPage *self);
static void dl_train_page_set_session (DlTrainPage *self,
                                       DlSession   *session);
static void dl_train_page_get_property (GObject      *object,
                                        guint         prop_id,
                                        GValue       *value,
                                        GParamSpec   *pspec);
static void dl_train_page_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlTrainPage, dl_train_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE, dl_train_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

enum
{
  MODEL_TRAINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The series of the run in progress; an overlay of recorded runs replaces them for a while. */
static void
add_live_series (DlTrainPage *self)
{
  dl_chart_remove_series_from (self->loss_chart, 0);
  dl_chart_remove_series_from (self->accuracy_chart, 0);
  self->batch_loss = dl_chart_add_series (self->loss_chart, _("batch"), "blue", DL_CHART_FAINT);
  self->smooth_loss = dl_chart_add_series (self->loss_chart, _("smoothed"), "blue", DL_CHART_LINE);
  self->train_loss = dl_chart_add_series (self->loss_chart, _("training"), "orange",
                                          DL_CHART_MARKERS);
  self->val_loss = dl_chart_add_series (self->loss_chart, _("validation"), "green",
                                        DL_CHART_MARKERS);
  self->train_acc = dl_chart_add_series (self->accuracy_chart, _("training"), "orange",
                                         DL_CHART_MARKERS);
  self->val_acc = dl_chart_add_series (self->accuracy_chart, _("validation"), "green",
                                       DL_CHART_MARKERS);
  self->test_acc = dl_chart_add_series (self->accuracy_chart, _("test"), "purple",
                                        DL_CHART_MARKERS);
  dl_chart_set_y_range (self->accuracy_chart, NAN, NAN);
  self->overlaid = FALSE;
}

/* The runs chosen in the Runs view, each in its own colour: the training loss of every batch
 * (its mean, by epochs of images seen) and the validation loss; validation and test accuracy
 * by epoch. The run in progress keeps the charts while it trains. */
static void
on_compared_runs (DlTrainPage *self)
{
  static const char *const colors[] = { "blue", "orange", "green", "purple", "red", "brown" };
  GPtrArray *runs = dl_session_get_compared_runs (self->session);
  guint max_epochs = 1;

  if (dl_training_get_running (self->training) || (runs->len == 0 && !self->overlaid))
    return;
  if (runs->len == 0)
    {
      add_live_series (self);
      dl_chart_clear (self->loss_chart);
      dl_chart_clear (self->accuracy_chart);
      return;
    }
  dl_chart_remove_series_from (self->loss_chart, 0);
  dl_chart_remove_series_from (self->accuracy_chart, 0);
  dl_chart_clear (self->loss_chart);
  dl_chart_clear (self->accuracy_chart);
  self->overlaid = TRUE;
  for (guint i = 0; i < runs->len; i++)
    {
      const NnRun *run = runs->pdata[i];
      const char *color = colors[i % G_N_ELEMENTS (colors)];
      g_autoptr(NnRunCurves) curves = nn_run_load_curves (run, NULL);
      g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (run->started);
      g_autofree char *when = g_date_time_format (started, "%H:%M:%S");
      const char *label = run->name != NULL && run->name[0] != '\0' ? run->name : when;
      /* Translators: a run's name, then which of its curves */
      g_autofree char *train_name = g_strdup_printf (_("%s training"), label);
      g_autofree char *val_name = g_strdup_printf (_("%s validation"), label);
      g_autofree char *test_name = g_strdup_printf (_("%s test"), label);
      guint loss = dl_chart_add_series (self->loss_chart, train_name, color, DL_CHART_LINE);
      guint val_loss = dl_chart_add_series (self->loss_chart, val_name, color, DL_CHART_MARKERS);
      guint val_acc = dl_chart_add_series (self->accuracy_chart, val_name, color,
                                           DL_CHART_MARKERS);
      guint test_acc = dl_chart_add_series (self->accuracy_chart, test_name, color,
                                            DL_CHART_LINE);

      for (size_t p = 0; curves != NULL && run->n_train > 0 && p < curves->n_points; p++)
        dl_chart_append (self->loss_chart, loss,
                         (double) curves->points[p].images / (double) run->n_train,
                         curves->points[p].mean);
      for (guint e = 0; e < run->n_epochs; e++)
        {
          const NnEpochStats *st = &run->epochs[e].stats;

          if (isfinite (st->val_loss))
            dl_chart_append (self->loss_chart, val_loss, st->epoch, st->val_loss);
          if (isfinite (st->val_accuracy))
            dl_chart_append (self->accuracy_chart, val_acc, st->epoch, st->val_accuracy);
          if (isfinite (st->test_accuracy))
            dl_chart_append (self->accuracy_chart, test_acc, st->epoch, st->test_accuracy);
        }
      max_epochs = MAX (max_epochs, MAX (run->n_epochs, run->recipe.epochs));
    }
  dl_chart_set_x_range (self->loss_chart, 0, max_epochs);
  dl_chart_set_x_range (self->accuracy_chart, 0, max_epochs);
  dl_chart_set_y_range (self->accuracy_chart, NAN, 1);
}

static void
on_log_scale_changed (DlTrainPage *self)
{
  dl_chart_set_y_log (self->loss_chart, gtk_check_button_get_active (self->log_scale_check));
}

static void
update_actions (DlTrainPage *self)
{
  /* the template's settings come before the training */
  gboolean running = self->training != NULL && dl_training_get_running (self->training);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.start",
                                 self->dataset != NULL && !running &&
                                 dl_spec_editor_get_valid (self->spec_editor));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.pause", running);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.stop", running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->recipe_group), !running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->arch_group), !running);
  /* timing batches would compete with the training for the cores */
  dl_spec_editor_set_can_measure (self->spec_editor, !running && self->dataset != NULL);
}

static char *
format_duration (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  return g_strdup_printf ("%d:%02d", s / 60, s % 60);
}

/* Where the run is, the first line of the status while it trains and while it is paused. */
static char *
progress_line (DlTrainPage *self)
{
  const NnTrainProgress *p = &self->progress;

  /* Translators: live training status */
  return g_strdup_printf (_("Epoch %u of %u · batch %u of %u"), p->epoch, p->n_epochs, p->batch,
                          p->n_batches);
}

static void
show_progress (DlTrainPage *self)
{
  const NnTrainProgress *p = &self->progress;
  g_autofree char *elapsed = format_duration (p->elapsed);
  g_autofree char *eta = format_duration (p->eta);
  g_autofree char *where = progress_line (self);
  g_autofree char *text = NULL;

  /* Translators: live training status, below "Epoch 3 of 10 · batch 200 of 860"; the times
   * are minutes:seconds */
  text = g_strdup_printf (_("%s\n%.0f images/s · %s elapsed · %s left"), where,
                          p->samples_per_second, elapsed, eta);
  gtk_label_set_label (self->status_label, text);
  self->label_time = g_get_monotonic_time ();
  self->progress_due = FALSE;
}

static gboolean
on_label_due (gpointer data)
{
  DlTrainPage *self = data;

  self->label_source = 0;
  if (self->progress_due)
    show_progress (self);
  return G_SOURCE_REMOVE;
}

/* Text for the status label other than progress: replaces any still to come. */
static void
set_status (DlTrainPage *self,
            const char  *text)
{
  g_clear_handle_id (&self->label_source, g_source_remove);
  self->progress_due = FALSE;
  gtk_label_set_label (self->status_label, text);
}

/* Each new text in the label lays the window out again: a few a second, the newest. */
static void
on_progress (DlTraining            *training,
             const NnTrainProgress *p,
             DlTrainPage           *self)
{
  double x = (p->epoch - 1) + (double) p->batch / p->n_batches;
  gint64 since;

  self->smoothed = self->have_smoothed ? (1 - SMOOTHING) * self->smoothed + SMOOTHING * p->loss
                                       : p->loss;
  self->have_smoothed = TRUE;
  dl_chart_append (self->loss_chart, self->batch_loss, x, p->loss);
  dl_chart_append (self->loss_chart, self->smooth_loss, x, self->smoothed);
  self->progress = *p;
  self->progress_due = TRUE;
  if (self->label_source != 0)
    return;
  since = g_get_monotonic_time () - self->label_time;
  if (since >= LABEL_INTERVAL || since < 0)
    show_progress (self);
  else
    self->label_source = g_timeout_add ((guint) ((LABEL_INTERVAL - since) / 1000) + 1,
                                        on_label_due, self);
}

static void
on_epoch_finished (DlTraining         *training,
                   const NnEpochStats *s,
                   DlTrainPage        *self)
{
  g_autofree char *loss = NULL;
  g_autofree char *accuracy = NULL;

  dl_chart_append (self->loss_chart, self->train_loss, s->epoch, s->train_loss);
  dl_chart_append (self->loss_chart, self->val_loss, s->epoch, s->val_loss);
  dl_chart_append (self->accuracy_chart, self->train_acc, s->epoch, s->train_accuracy);
  dl_chart_append (self->accuracy_chart, self->val_acc, s->epoch, s->val_accuracy);
  dl_chart_append (self->accuracy_chart, self->test_acc, s->epoch, s->test_accuracy);
  if (s->is_best)
    {
      self->best_epoch = s->epoch;
      self->best_accuracy = s->val_accuracy;
      /* Translators: marks, on the charts, the epoch whose weights the training keeps */
      dl_chart_set_marker (self->loss_chart, s->epoch, _("best epoch"));
      dl_chart_set_marker (self->accuracy_chart, s->epoch, _("best epoch"));
    }
  /* the newest epoch for screen readers; batches alone would announce too often */
  /* Translators: what the loss chart shows, for screen readers */
  loss = g_strdup_printf (_("Loss after epoch %u: training %.3f, validation %.3f"), s->epoch,
                          s->train_loss, s->val_loss);
  dl_chart_set_summary (self->loss_chart, loss);
  /* Translators: what the accuracy chart shows, for screen readers */
  accuracy = g_strdup_printf (_("Accuracy after epoch %u: training %.2f%%, validation %.2f%%, "
                                "test %.2f%%"), s->epoch, 100 * s->train_accuracy,
                              100 * s->val_accuracy, 100 * s->test_accuracy);
  dl_chart_set_summary (self->accuracy_chart, accuracy);
}

static void
on_finished (DlTraining  *training,
             gboolean     stopped,
             DlTrainPage *self)
{
  g_autoptr(GError) error = NULL;
  NnModel *model = dl_training_dup_model (training, &error);

  update_actions (self);
  if (model == NULL)
    {
      set_status (self, _("Stopped before the first epoch ended"));
      return;
    }
  {
    g_autofree char *accuracy = dl_format_percent (self->best_accuracy, 2);
    g_autofree char *text = NULL;

    if (stopped)
      /* Translators: the epoch whose weights are kept, and its validation accuracy */
      text = g_strdup_printf (_("Stopped: epoch %u, the best so far, is kept (%s validation "
                                "accuracy)"), self->best_epoch, accuracy);
    else
      /* Translators: the epoch whose weights are kept, and its validation accuracy */
      text = g_strdup_printf (_("Finished: epoch %u is kept (%s validation accuracy)"),
                              self->best_epoch, accuracy);
    set_status (self, text);
  }
  if (self->session != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *time = g_date_time_format (now, "%H:%M");
      /* Translators: where the model in use came from; the time training ended */
      g_autofree char *description = g_strdup_printf (_("Trained at %s"), time);
      g_autofree char *model_dir = dl_training_dup_run_model_dir (training);

      /* the run's model folder is remembered for the next start */
      dl_session_set_model_from_path (self->session, model, description,
                                      model_dir != NULL &&
                                      g_file_test (model_dir, G_FILE_TEST_IS_DIR) ? model_dir
                                                                                 : NULL);
      /* said where the person is looking: over this page a toast would hide the charts' axis */
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        {
          g_autofree char *text = g_strdup_printf ("%s\n%s",
                                                   gtk_label_get_label (self->status_label),
                                                   _("The other pages now use this model."));

          gtk_label_set_label (self->status_label, text);
        }
      else
        gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                                    _("The Draw page now uses the model you trained"));
    }
  g_signal_emit (self, signals[MODEL_TRAINED], 0, model);
  nn_model_unref (model);
}

static void
on_failed (DlTraining  *training,
           const char  *message,
           DlTrainPage *self)
{
  g_autofree char *text = g_strdup_printf (_("Training failed: %s"), message);
  g_autoptr(NnModel) model = dl_training_dup_model (training, NULL);

  update_actions (self);
  set_status (self, text);
  /* the epochs that ended are kept (a record that could not be written loses no weights) */
  if (model != NULL && self->session != NULL)
    {
      g_autofree char *model_dir = dl_training_dup_run_model_dir (training);

      dl_session_set_model_from_path (self->session, model, _("Trained before a failure"),
                                      model_dir != NULL &&
                                      g_file_test (model_dir, G_FILE_TEST_IS_DIR) ? model_dir
                                                                                 : NULL);
      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                                  _("The best epoch before the failure is kept"));
    }
}

static void
on_record_failed (DlTraining  *training,
                  const char  *message,
                  DlTrainPage *self)
{
  /* Translators: the run store's reason follows */
  g_autofree char *text = g_strdup_printf (_("This run is not recorded: %s"), message);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text);
}

/* The time from the frame's tick to the end of its paint: layout and drawing. */
static void
on_frame_painted (DlTrainPage *self)
{
  if (self->frame_last > 0)
    self->worst_frame = MAX (self->worst_frame, g_get_monotonic_time () - self->frame_last);
}

static gboolean
on_frame_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  DlTrainPage *self = DL_TRAIN_PAGE (widget);
  gint64 now = g_get_monotonic_time ();

  if (self->frame_last > 0)
    self->worst_gap = MAX (self->worst_gap, now - self->frame_last);
  self->frame_last = now;
  self->n_frames++;
  if (self->frame_clock == NULL)
    {
      self->frame_clock = g_object_ref (clock);
      self->after_paint = g_signal_connect_swapped (clock, "after-paint",
                                                    G_CALLBACK (on_frame_painted), self);
    }
  return G_SOURCE_CONTINUE;
}

/* With DIGIT_LAB_FRAME_STATS set, a tick callback keeps frames coming while a run trains (as an
 * animation or a moving pointer would) and the longest gap between them goes to the debug log
 * when it ends: bench/app-training.sh reads it. */
static void
measure_frames (DlTrainPage *self,
                gboolean     running)
{
  if (running && self->frame_tick == 0 && g_getenv ("DIGIT_LAB_FRAME_STATS") != NULL)
    {
      self->frame_last = self->worst_gap = self->worst_frame = 0;
      self->n_frames = 0;
      self->frame_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), on_frame_tick, NULL,
                                                       NULL);
    }
  else if (!running && self->frame_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->frame_tick);
      self->frame_tick = 0;
      g_clear_signal_handler (&self->after_paint, self->frame_clock);
      g_clear_object (&self->frame_clock);
      g_debug ("frames while training: %u, longest gap %.1f ms, longest frame %.1f ms",
               self->n_frames, self->worst_gap / 1e3, self->worst_frame / 1e3);
    }
}

static void
on_running_changed (DlTrainPage *self)
{
  /* a run resumed from the Runs view takes the charts back from an overlay */
  if (self->overlaid && dl_training_get_running (self->training))
    {
      add_live_series (self);
      dl_chart_clear (self->loss_chart);
      dl_chart_clear (self->accuracy_chart);
    }
  update_actions (self);
  measure_frames (self, dl_training_get_running (self->training));
}

/* The toggle shows the worker's real state, whoever changed it. */
static void
on_paused_changed (DlTrainPage *self)
{
  gboolean paused = dl_training_get_paused (self->training);

  gtk_toggle_button_set_active (self->pause_button, paused);
  gtk_button_set_label (GTK_BUTTON (self->pause_button), paused ? _("Res_ume") : _("_Pause"));
  dl_accessible_name_button (GTK_BUTTON (self->pause_button));
}

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  DlTrainPage *self = DL_TRAIN_PAGE (widget);
  g_autoptr(GError) error = NULL;
  NnTrainConfig config;
  gboolean ok;

  if (self->dataset == NULL || !dl_spec_editor_get_valid (self->spec_editor))
    return;
  nn_train_config_init (&config);
  dl_recipe_from_settings (self->settings, &config);
  /* the text being edited, which the setting follows */
  g_free (config.spec);
  config.spec = dl_spec_editor_dup_text (self->spec_editor);
  /* how many threads, from Preferences (0: one per core) */
  config.n_threads = g_settings_get_uint (self->settings, "training-threads");
  config.progress_every = 5;

  if (self->overlaid)
    add_live_series (self);
  dl_chart_clear (self->loss_chart);
  dl_chart_clear (self->accuracy_chart);
  dl_chart_set_x_range (self->loss_chart, 0, config.epochs);
  dl_chart_set_x_range (self->accuracy_chart, 0, config.epochs);
  self->have_smoothed = FALSE;
  self->best_epoch = 0;
  self->best_accuracy = 0;
  memset (&self->progress, 0, sizeof self->progress);
  ok = dl_training_start (self->training, &config, self->dataset, &error);
  nn_train_config_clear (&config);
  if (!ok)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot start: %s"), error->message);

      set_status (self, text);
      return;
    }
  set_status (self, _("Starting…"));
}

static void
pause_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  DlTrainPage *self = DL_TRAIN_PAGE (widget);
  gboolean paused = !dl_training_get_paused (self->training);

  dl_training_set_paused (self->training, paused);
  {
    g_autofree char *where = progress_line (self);
    g_autofree char *text = NULL;

    text = g_strdup_printf ("%s\n%s", paused ? _("Paused") : _("Resuming…"), where);
    set_status (self, self->progress.n_epochs > 0 ? text : paused ? _("Paused") : _("Resuming…"));
  }
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  dl_training_stop (DL_TRAIN_PAGE (widget)->training);
}

void
dl_train_page_set_dataset (DlTrainPage *self,
                           NnDataset   *dataset)
{
  g_return_if_fail (DL_IS_TRAIN_PAGE (self));
  g_return_if_fail (!dl_training_get_running (self->training));

  self->dataset = dataset;
  gtk_stack_set_visible_child_name (self->stack, dataset != NULL ? "train" : "no-data");
  update_editor_data (self);
  update_actions (self);
}

DlTraining *
dl_train_page_get_training (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->training;
}

DlDatasetStatus *
dl_train_page_get_status (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->dataset_status;
}

/* The data the architecture must fit, and the epoch whose time it estimates. */
static void
update_editor_data (DlTrainPage *self)
{
  const NnImageSet *train = self->dataset != NULL ? self->dataset->train : NULL;
  guint validation = g_settings_get_uint (self->settings, "validation-size");
  size_t n_train;

  if (train == NULL)
    return;
  n_train = g_settings_get_boolean (self->settings, "train-on-all") || validation >= train->n_images
              ? train->n_images : train->n_images - validation;
  dl_spec_editor_set_data (self->spec_editor, 1, train->rows, train->cols,
                           self->dataset->n_classes, n_train,
                           g_settings_get_uint (self->settings, "batch-size"));
}

/* The preset row shows the preset whose spec the editor holds, else "custom". */
static void
on_spec_text_changed (DlTrainPage *self)
{
  g_autofree char *text = NULL;
  const char *preset;
  size_t n;
  const DlChoice *presets = dl_recipe_presets (&n);

  if (self->syncing_arch)
    return;
  text = dl_spec_editor_dup_text (self->spec_editor);
  preset = dl_recipe_preset_for_spec (text);
  self->syncing_arch = TRUE;
  for (size_t i = 0; i < n; i++)
    if (g_strcmp0 (presets[i].id, preset != NULL ? preset : "custom") == 0)
      adw_combo_row_set_selected (self->arch_row, (guint) i);
  /* the setting keeps a preset's name, or the spec itself */
  g_settings_set_string (self->settings, "architecture", preset != NULL ? preset : text);
  self->syncing_arch = FALSE;
  update_actions (self);
}

/* A preset chosen in the row puts its spec into the editor; "custom" leaves the text. */
static void
on_preset_selected (DlTrainPage *self)
{
  size_t n;
  const DlChoice *presets = dl_recipe_presets (&n);
  guint i = adw_combo_row_get_selected (self->arch_row);
  const char *spec;

  if (self->syncing_arch || i >= n)
    return;
  spec = nn_spec_preset_lookup (presets[i].id);
  if (spec == NULL)
    return;
  /* a preset is a recipe: its architecture and the training settings made for it (the seed and
   * the validation split stay the user's) */
  self->syncing_arch = TRUE;
  dl_recipe_apply_preset (self->settings, presets[i].id);
  self->syncing_arch = FALSE;
  dl_spec_editor_set_text (self->spec_editor, spec);
}

/* The setting changed elsewhere (another window, a test): the editor follows. */
static void
on_architecture_setting (DlTrainPage *self)
{
  g_autofree char *value = NULL;
  g_autofree char *spec = NULL;

  if (self->syncing_arch)
    return;
  value = g_settings_get_string (self->settings, "architecture");
  spec = dl_recipe_spec_from_setting (value);
  dl_spec_editor_set_text (self->spec_editor, spec);
  on_spec_text_changed (self);
}

/* The rows a schedule uses, the summaries of the folded groups. */
static void
on_recipe_setting (DlTrainPage *self)
{
  g_autofree char *schedule = g_settings_get_string (self->settings, "lr-schedule");
  g_autofree char *augment_text = NULL;
  g_autofree char *schedule_text = NULL;
  NnAugmentConfig augment;

  gtk_widget_set_visible (GTK_WIDGET (self->step_epochs_row), g_str_equal (schedule, "step"));
  gtk_widget_set_visible (GTK_WIDGET (self->gamma_row), g_str_equal (schedule, "step"));
  gtk_widget_set_visible (GTK_WIDGET (self->lr_min_row), g_str_equal (schedule, "cosine"));
  gtk_widget_set_visible (GTK_WIDGET (self->warmup_row), g_str_equal (schedule, "one-cycle"));
  gtk_widget_set_visible (GTK_WIDGET (self->div_row), g_str_equal (schedule, "one-cycle"));
  gtk_widget_set_visible (GTK_WIDGET (self->final_div_row),
                          g_str_equal (schedule, "one-cycle"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->sigma_row),
                            g_settings_get_double (self->settings, "elastic-alpha") > 0);

  dl_recipe_augment_from_settings (self->settings, &augment);
  augment_text = dl_recipe_describe_augment (&augment);
  adw_expander_row_set_subtitle (self->augment_expander, augment_text);
  schedule_text = dl_recipe_describe_schedule (self->settings);
  adw_expander_row_set_subtitle (self->schedule_expander, schedule_text);
  update_editor_data (self);
}

/* The run the page starts, follows and stops. */
static void
use_training (DlTrainPage *self,
              DlTraining  *training)
{
  if (self->training == training)
    return;
  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_set_object (&self->training, training);
  g_signal_connect (self->training, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect (self->training, "epoch-finished", G_CALLBACK (on_epoch_finished), self);
  g_signal_connect (self->training, "finished", G_CALLBACK (on_finished), self);
  g_signal_connect (self->training, "failed", G_CALLBACK (on_failed), self);
  g_signal_connect (self->training, "record-failed", G_CALLBACK (on_record_failed), self);
  g_signal_connect_swapped (self->training, "notify::running", G_CALLBACK (on_running_changed),
                            self);
  g_signal_connect_swapped (self->training, "notify::paused", G_CALLBACK (on_paused_changed),
                            self);
  update_actions (self);
}

static void
dl_train_page_dispose (GObject *object)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  dl_train_page_set_session (self, NULL);
  measure_frames (self, FALSE);
  g_clear_handle_id (&self->label_source, g_source_remove);
  if (self->training != NULL)
    g_signal_handlers_disconnect_by_data (self->training, self);
  g_clear_object (&self->training);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dl_train_page_parent_class)->dispose (object);
}

static void
dl_train_page_class_init (DlTrainPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = dl_train_page_get_property;
  object_class->set_property = dl_train_page_set_property;
  g_object_class_override_property (object_class, PROP_SESSION, "session");
  object_class->dispose = dl_train_page_dispose;

  /* the trained model, owned by the receiver */
  signals[MODEL_TRAINED] = g_signal_new ("model-trained", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                         G_TYPE_POINTER);

  g_type_ensure (DL_TYPE_DATASET_STATUS);
  g_type_ensure (DL_TYPE_SPEC_EDITOR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-train-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, dataset_status);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, arch_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, rotation_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, validation_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, stop_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, charts_box);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, log_scale_check);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, recipe_group);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, arch_group);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, spec_editor);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, augment_expander);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_expander);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, translate_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, scale_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, shear_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, alpha_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, sigma_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, step_epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, gamma_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_min_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, warmup_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, div_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, final_div_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, wd_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, smoothing_spin);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, all_switch);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, sigma_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, step_epochs_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, gamma_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, lr_min_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, warmup_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, div_row);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, final_div_row);

  gtk_widget_class_install_action (widget_class, "train.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "train.pause", NULL, pause_action);
  gtk_widget_class_install_action (widget_class, "train.stop", NULL, stop_action);
}

/* Stop is red only while it can stop something: disabled, red reads as a warning. */
static void
on_stop_sensitive (DlTrainPage *self)
{
  if (gtk_widget_get_sensitive (self->stop_button))
    gtk_widget_add_css_class (self->stop_button, "destructive-action");
  else
    gtk_widget_remove_css_class (self->stop_button, "destructive-action");
}

/* Every spin field of the recipe, those added later too: one width, numbers to the right, and
 * the wheel scrolls the page until one is focused. */
static void
tidy_spin_buttons (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SPIN_BUTTON (child))
        {
          gtk_editable_set_width_chars (GTK_EDITABLE (child), 8);
          gtk_editable_set_max_width_chars (GTK_EDITABLE (child), 8);
          gtk_editable_set_alignment (GTK_EDITABLE (child), 1);
          dl_scroll_guard_attach (child);
        }
      else
        tidy_spin_buttons (child);
    }
}

/* Pause and Resume take the same width, so the buttons beside them stay where they are. */
static void
fix_pause_width (DlTrainPage *self)
{
  GtkButton *button = GTK_BUTTON (self->pause_button);
  int natural, widest = 0;

  gtk_button_set_label (button, _("Res_ume"));
  gtk_widget_measure (GTK_WIDGET (button), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL,
                      NULL);
  widest = MAX (widest, natural);
  gtk_button_set_label (button, _("_Pause"));
  gtk_widget_measure (GTK_WIDGET (button), GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural, NULL,
                      NULL);
  widest = MAX (widest, natural);
  gtk_widget_set_size_request (GTK_WIDGET (button), widest, -1);
}

static void
dl_train_page_init (DlTrainPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tidy_spin_buttons (GTK_WIDGET (self->recipe_group));
  fix_pause_width (self);
  g_signal_connect_swapped (self->stop_button, "notify::sensitive", G_CALLBACK (on_stop_sensitive),
                            self);
  on_stop_sensitive (self);

  struct { GtkSpinButton *spin; const char *key; } spins[] = {
    { self->epochs_spin, "epochs" }, { self->batch_spin, "batch-size" },
    { self->lr_spin, "learning-rate" }, { self->rotation_spin, "rotation-degrees" },
    { self->validation_spin, "validation-size" }, { self->seed_spin, "seed" },
    { self->translate_spin, "translate" }, { self->scale_spin, "scale" },
    { self->shear_spin, "shear-degrees" }, { self->alpha_spin, "elastic-alpha" },
    { self->sigma_spin, "elastic-sigma" }, { self->step_epochs_spin, "lr-step-epochs" },
    { self->gamma_spin, "lr-gamma" }, { self->lr_min_spin, "lr-min" },
    { self->warmup_spin, "lr-warmup-fraction" }, { self->div_spin, "lr-div-factor" },
    { self->final_div_spin, "lr-final-div-factor" }, { self->wd_spin, "weight-decay" },
    { self->smoothing_spin, "label-smoothing" },
  };
  size_t n_choices;
  const DlChoice *choices;

  self->settings = g_settings_new (APP_ID);
  for (size_t i = 0; i < G_N_ELEMENTS (spins); i++)
    {
      g_settings_bind (self->settings, spins[i].key,
                       gtk_spin_button_get_adjustment (spins[i].spin), "value",
                       G_SETTINGS_BIND_DEFAULT);
      /* scrolling the long recipe over a field must not change it */
      dl_scroll_guard_attach (GTK_WIDGET (spins[i].spin));
    }
  g_settings_bind (self->settings, "train-on-all", self->all_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  choices = dl_recipe_optimizers (&n_choices);
  dl_recipe_setup_choice_row (self->optimizer_row, choices, n_choices);
  dl_recipe_bind_choice (self->settings, "optimizer", self->optimizer_row);
  choices = dl_recipe_schedules (&n_choices);
  dl_recipe_setup_choice_row (self->schedule_row, choices, n_choices);
  dl_recipe_bind_choice (self->settings, "lr-schedule", self->schedule_row);
  choices = dl_recipe_presets (&n_choices);
  dl_recipe_setup_choice_row (self->arch_row, choices, n_choices);
  g_signal_connect_swapped (self->arch_row, "notify::selected", G_CALLBACK (on_preset_selected),
                            self);
  g_signal_connect_swapped (self->spec_editor, "notify::text", G_CALLBACK (on_spec_text_changed),
                            self);
  g_signal_connect_swapped (self->spec_editor, "notify::valid", G_CALLBACK (update_actions),
                            self);
  g_signal_connect_swapped (self->settings, "changed::architecture",
                            G_CALLBACK (on_architecture_setting), self);
  on_architecture_setting (self);
  g_signal_connect_swapped (self->settings, "changed", G_CALLBACK (on_recipe_setting), self);
  on_recipe_setting (self);

  self->loss_chart = DL_CHART (dl_chart_new (_("epoch"), _("loss")));
  self->accuracy_chart = DL_CHART (dl_chart_new (_("epoch"), _("accuracy")));
  add_live_series (self);
  dl_chart_set_placeholder (self->loss_chart,
                            _("The loss of every batch appears here once training starts"));
  dl_chart_set_placeholder (self->accuracy_chart, _("Accuracy appears after each epoch"));
  dl_chart_set_y_percent (self->accuracy_chart, TRUE);
  g_signal_connect_swapped (self->log_scale_check, "notify::active",
                            G_CALLBACK (on_log_scale_changed), self);
  g_settings_bind (self->settings, "loss-log-scale", self->log_scale_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  on_log_scale_changed (self);
  gtk_widget_set_vexpand (GTK_WIDGET (self->loss_chart), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->accuracy_chart), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->loss_chart),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loss curves"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->accuracy_chart),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Accuracy per epoch"), -1);
  gtk_box_append (self->charts_box, GTK_WIDGET (self->loss_chart));
  gtk_box_append (self->charts_box, GTK_WIDGET (self->accuracy_chart));

  {
    /* the page's own until a session gives the shared one */
    g_autoptr(DlTraining) own = dl_training_new ();

    use_training (self, own);
  }
}

DlSpecEditor *
dl_train_page_get_spec_editor (DlTrainPage *self)
{
  g_return_val_if_fail (DL_IS_TRAIN_PAGE (self), NULL);
  return self->spec_editor;
}

GtkWidget *
dl_train_page_get_figure (DlTrainPage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return GTK_WIDGET (self->loss_chart);
}

static void
on_session_training (DlTrainPage *self)
{
  use_training (self, dl_session_get_training (self->session));
}

static void
on_session_dataset (DlTrainPage *self)
{
  dl_train_page_set_dataset (self, dl_session_get_dataset (self->session));
}

/* Follows the session: everything the page shows of the shared state comes from its notify. */
static void
dl_train_page_set_session (DlTrainPage *self,
                           DlSession   *session)
{
  if (self->session == session)
    return;
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_set_object (&self->session, session);
  if (session != NULL)
    {
      g_signal_connect_swapped (session, "notify::training", G_CALLBACK (on_session_training), self);
      g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
      g_signal_connect_swapped (session, "notify::compared-runs",
                                G_CALLBACK (on_compared_runs), self);
      on_session_training (self);
      on_session_dataset (self);
    }
  g_object_notify (G_OBJECT (self), "session");
}

static void
dl_train_page_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_train_page_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      dl_train_page_set_session (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_train_page_list_figures (DlPage    *page,
                            GPtrArray *figures)
{
  DlTrainPage *self = DL_TRAIN_PAGE (page);
  /* the charts show the run in progress, or the recorded runs overlaid from the Runs page */
  DlPageFigure *items[] = {
    dl_page_add_figure (figures, "loss", _("Loss curves"), self->loss_chart),
    dl_page_add_figure (figures, "accuracy", _("Accuracy per epoch"), self->accuracy_chart),
  };

  for (guint i = 0; i < G_N_ELEMENTS (items); i++)
    if (!dl_figure_has_data (items[i]->figure))
      dl_page_figure_set_unavailable (items[i], _("Nothing has been trained yet: start a "
                                                  "training, or compare recorded runs on the "
                                                  "Runs page."));
}

static DlDatasetStatus *
dl_train_page_get_status_page (DlPage *page)
{
  return DL_TRAIN_PAGE (page)->dataset_status;
}

static void
dl_train_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "train";
  iface->title = N_("_Train");
  iface->icon_name = "media-playback-start-symbolic";
  iface->list_figures = dl_train_page_list_figures;
  iface->get_status = dl_train_page_get_status_page;
}
