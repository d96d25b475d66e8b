/* dl-train-page.c: the recipe in GSettings, the architecture in DlSpecEditor, the run in
 * DlTraining, the curves in DlChart */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-train-page.h"

#include "dl-page.h"

#include <glib/gi18n.h>
#include <string.h>
#include <math.h>
#include <time.h>

#include "dl-accessible.h"
#include "dl-chart.h"
#include "dl-format.h"
#include "dl-scroll-guard.h"
#include "dl-dataset-status.h"
#include "dl-recipe.h"
#include "dl-scroll-guard.h"
#include "dl-spec-editor.h"
#include "nn-run-store.h"

/* What the x axis measures, as in the chart-x-axis setting */
typedef enum
{
  X_EPOCH,
  X_IMAGES,
  X_TIME,
} XAxis;

/* DIGIT_LAB_FRAME_STATS: frames and gaps between them this long (µs) each get a debug line */
#define FRAME_REPORTED (40 * G_TIME_SPAN_MILLISECOND)

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
  /* the live progress in two lines of fixed size: a label's new text lays the whole window out
   * again (on X11 with a round trip to the server for the monitor's work area), an
   * inscription's is only drawn */
  GtkWidget      *progress_box;
  GtkInscription *progress_lines[2];
  GtkToggleButton *pause_button;
  GtkWidget      *stop_button;
  GtkBox         *charts_box;
  GtkCheckButton *log_scale_check;
  GtkWidget      *x_axis_box;
  GtkToggleButton *x_epoch_button;
  GtkToggleButton *x_images_button;
  GtkToggleButton *x_time_button;
  GtkRange       *smoothing_scale;
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
  gboolean        live_validation; /* the live series include validation ones */
  guint           train_acc, val_acc, test_acc;
  gboolean        overlaid;     /* the charts show recorded runs, not the live series */
  /* the smoothed loss: a bias-corrected exponential moving average of the batch series, whose
   * points are kept to compute it again when the smoothing changes */
  GArray         *raw_loss;     /* (x, loss) pairs of doubles, as in the batch series */
  double          smoothing;    /* the weight of the past, from the loss-smoothing setting */
  double          ema;
  guint64         n_ema;
  /* a finished run drawn from its record when nothing else is: the one the model in use came
   * from, or the newest; the live series of a run trained here stand for it until they must be
   * drawn again (another x axis, an overlay gone) */
  NnRun          *shown_run;
  NnRunCurves    *shown_curves;
  char           *shown_id;     /* the run to show; NULL: none known */
  gboolean        live_shown;   /* the live series are shown_id's run, by epoch */
  GCancellable   *load_cancellable;
  GCancellable   *behind_cancellable; /* reading the curves of the runs behind the live one */
  gboolean        syncing_axis;
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
  gint64          frame_last_cpu; /* the main thread's CPU time then, µs */
  gint64          worst_gap;
  gint64          worst_gap_cpu; /* the most CPU time the main thread spent between two ticks */
  gint64          worst_frame;  /* from a tick to the end of its paint */
  gint64          worst_frame_cpu;
  guint           n_frames;
};

static void dl_train_page_page_iface_init (DlPageInterface *iface);
static void update_editor_data (DlTrainPage *self);
static void dl_train_page_follow_session (DlTrainPage *self,
                                          DlSession   *old_session);

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

/* The series of the run in progress; an overlay of recorded runs replaces them for a while.
 * A run that trains on its validation images has no validation series (G_MAXUINT). */
static void
add_live_series (DlTrainPage *self,
                 gboolean     validation)
{
  dl_chart_remove_series_from (self->loss_chart, 0);
  dl_chart_remove_series_from (self->accuracy_chart, 0);
  self->batch_loss = dl_chart_add_series (self->loss_chart, _("batch"), "blue", DL_CHART_FAINT);
  self->smooth_loss = dl_chart_add_series (self->loss_chart, _("smoothed"), "blue", DL_CHART_LINE);
  self->train_loss = dl_chart_add_series (self->loss_chart, _("training"), "orange",
                                          DL_CHART_MARKERS);
  self->val_loss = validation ? dl_chart_add_series (self->loss_chart, _("validation"), "green",
                                                     DL_CHART_MARKERS)
                              : G_MAXUINT;
  self->train_acc = dl_chart_add_series (self->accuracy_chart, _("training"), "orange",
                                         DL_CHART_MARKERS);
  self->val_acc = validation ? dl_chart_add_series (self->accuracy_chart, _("validation"),
                                                    "green", DL_CHART_MARKERS)
                             : G_MAXUINT;
  self->test_acc = dl_chart_add_series (self->accuracy_chart, _("test"), "purple",
                                        DL_CHART_MARKERS);
  dl_chart_set_y_range (self->accuracy_chart, NAN, NAN);
  self->live_validation = validation;
  self->overlaid = FALSE;
}

/* A point of a live series, which may not be there (see add_live_series ()) */
static void
append_live (DlChart *chart,
             guint    series,
             double   x,
             double   y)
{
  if (series != G_MAXUINT)
    dl_chart_append (chart, series, x, y);
}

/* Empties both charts (the live series stay, empty) and the smoothed loss's state. */
static void
clear_charts (DlTrainPage *self)
{
  dl_chart_clear (self->loss_chart);
  dl_chart_clear (self->accuracy_chart);
  g_array_set_size (self->raw_loss, 0);
  self->ema = 0;
  self->n_ema = 0;
}

/* One more batch loss: the raw point and its smoothed value. With weight w of the past the
 * average m ← w·m + (1 − w)·loss starts at 0, so it is divided by 1 − wⁿ after n points (the
 * bias correction of TensorBoard and Adam): the curve starts at the first losses, not above or
 * below them. */
static void
append_loss (DlTrainPage *self,
             double       x,
             double       loss)
{
  double p[2] = { x, loss };
  double w = self->smoothing;

  if (!isfinite (x) || !isfinite (loss))
    return;
  g_array_append_vals (self->raw_loss, p, 1);
  self->n_ema++;
  self->ema = w * self->ema + (1 - w) * loss;
  dl_chart_append (self->loss_chart, self->batch_loss, x, loss);
  dl_chart_append (self->loss_chart, self->smooth_loss, x,
                   w > 0 ? self->ema / (1 - pow (w, (double) self->n_ema)) : loss);
}

/* The smoothing changed: the smoothed series again, from the raw points. */
static void
on_smoothing_changed (DlTrainPage *self)
{
  double w = CLAMP (g_settings_get_double (self->settings, "loss-smoothing"), 0, 0.99);

  if (w == self->smoothing)
    return;
  self->smoothing = w;
  if (self->overlaid)
    return;
  dl_chart_clear_series (self->loss_chart, self->smooth_loss);
  self->ema = 0;
  self->n_ema = 0;
  for (guint k = 0; k < self->raw_loss->len; k++)
    {
      const double *p = &g_array_index (self->raw_loss, double, 2 * k);

      self->n_ema++;
      self->ema = w * self->ema + (1 - w) * p[1];
      dl_chart_append (self->loss_chart, self->smooth_loss, p[0],
                       w > 0 ? self->ema / (1 - pow (w, (double) self->n_ema)) : p[1]);
    }
}

static XAxis
get_x_axis (DlTrainPage *self)
{
  g_autofree char *name = g_settings_get_string (self->settings, "chart-x-axis");

  return g_str_equal (name, "images") ? X_IMAGES : g_str_equal (name, "time") ? X_TIME : X_EPOCH;
}

/* Whether every epoch of the run has its time: epochs brought along from a checkpoint file
 * have none (nobody measured them), and nor has a record from before times were kept. */
static gboolean
run_has_times (const NnRun *run)
{
  for (guint e = 0; e < run->n_epochs; e++)
    if (!isfinite (run->epochs[e].elapsed))
      return FALSE;
  return TRUE;
}

/* The x axis the charts can use for these runs: the chosen one, or epochs where a run has no
 * times; the Time button says why it is off. */
static XAxis
usable_x_axis (DlTrainPage *self,
               GPtrArray   *runs)
{
  XAxis axis = get_x_axis (self);
  const NnRun *untimed = NULL;
  gboolean running = dl_training_get_running (self->training);

  for (guint i = 0; runs != NULL && i < runs->len && untimed == NULL; i++)
    if (!run_has_times (runs->pdata[i]))
      untimed = runs->pdata[i];
  gtk_widget_set_sensitive (self->x_axis_box, !running);
  gtk_widget_set_tooltip_text (self->x_axis_box,
                               running ? _("The run in progress is drawn by epoch") : NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->x_time_button), untimed == NULL);
  if (untimed != NULL)
    {
      g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (untimed->started);
      g_autofree char *when = started != NULL ? g_date_time_format (started, "%x %X")
                                              : g_strdup (untimed->id);
      /* Translators: why the Time axis is off; a run's name or start time */
      g_autofree char *why = g_strdup_printf (_("The run %s has epochs without recorded "
                                                "times (they came from a checkpoint file, or "
                                                "from an older version)"),
                                              untimed->name[0] != '\0' ? untimed->name : when);

      gtk_widget_set_tooltip_text (GTK_WIDGET (self->x_time_button), why);
    }
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->x_time_button),
                                 _("Draw recorded runs by seconds of training"));
  if (axis == X_TIME && untimed != NULL)
    axis = X_EPOCH;
  /* the buttons show the axis drawn; the setting keeps the one chosen */
  self->syncing_axis = TRUE;
  gtk_toggle_button_set_active (axis == X_IMAGES ? self->x_images_button
                                : axis == X_TIME ? self->x_time_button : self->x_epoch_button,
                                TRUE);
  self->syncing_axis = FALSE;
  return axis;
}

/* Where a point of a run's loss curve lies on the x axis */
static double
curve_x (const NnRun           *run,
         const NnRunCurvePoint *p,
         XAxis                  axis)
{
  switch (axis)
    {
    case X_IMAGES: return (double) p->images;
    case X_TIME:   return p->seconds;
    case X_EPOCH:
    default:       return run->n_train > 0 ? (double) p->images / (double) run->n_train : NAN;
    }
}

/* Where an epoch's end lies on the x axis; NAN when unknown */
static double
epoch_x (const NnRun *run,
         guint        e,
         XAxis        axis)
{
  switch (axis)
    {
    case X_IMAGES: return (double) run->epochs[e].images;
    case X_TIME:   return run->epochs[e].elapsed;
    case X_EPOCH:
    default:       return run->epochs[e].stats.epoch;
    }
}

/* The axes' titles and the x range for runs of at most max_epochs epochs of n_train images */
static void
set_x_axis (DlTrainPage *self,
            XAxis        axis,
            guint        max_epochs,
            guint64      n_train)
{
  /* Translators: the x axis of the Train charts: training images seen so far */
  const char *label = axis == X_IMAGES ? _("images seen")
                      /* Translators: the x axis of the Train charts: seconds of training */
                      : axis == X_TIME ? _("seconds") : _("epoch");
  double x_max = axis == X_IMAGES ? (double) max_epochs * (double) n_train
                 : axis == X_TIME ? NAN : max_epochs;

  dl_chart_set_x_label (self->loss_chart, label);
  dl_chart_set_x_label (self->accuracy_chart, label);
  dl_chart_set_x_range (self->loss_chart, 0, x_max);
  dl_chart_set_x_range (self->accuracy_chart, 0, x_max);
}

static void
summarise_epoch (DlTrainPage        *self,
                 const NnEpochStats *s)
{
  g_autofree char *loss = NULL;
  g_autofree char *accuracy = NULL;

  /* trained on the validation images too, the run has no validation figures */
  if (isnan (s->val_accuracy))
    {
      /* Translators: what the loss chart shows, for screen readers */
      loss = g_strdup_printf (_("Loss after epoch %u: training %.3f"), s->epoch, s->train_loss);
      /* Translators: what the accuracy chart shows, for screen readers */
      accuracy = g_strdup_printf (_("Accuracy after epoch %u: training %.2f%%, test %.2f%%"),
                                  s->epoch, 100 * s->train_accuracy, 100 * s->test_accuracy);
    }
  else
    {
      /* Translators: what the loss chart shows, for screen readers */
      loss = g_strdup_printf (_("Loss after epoch %u: training %.3f, validation %.3f"), s->epoch,
                              s->train_loss, s->val_loss);
      /* Translators: what the accuracy chart shows, for screen readers */
      accuracy = g_strdup_printf (_("Accuracy after epoch %u: training %.2f%%, validation "
                                    "%.2f%%, test %.2f%%"), s->epoch, 100 * s->train_accuracy,
                                  100 * s->val_accuracy, 100 * s->test_accuracy);
    }
  dl_chart_set_summary (self->loss_chart, loss);
  dl_chart_set_summary (self->accuracy_chart, accuracy);
}

/* What marks the epoch whose weights a run keeps: its best, or, trained on all images, its last */
static const char *
kept_epoch_label (gboolean train_on_all)
{
  if (train_on_all)
    /* Translators: marks, on the charts, the epoch whose weights a run trained on all images
     * keeps: its last */
    return _("last epoch, kept");
  /* Translators: marks, on the charts, the epoch whose weights the training keeps */
  return _("best epoch");
}

/* A finished run from its record, drawn as the run in progress is: every batch's loss (the
 * record's points) and its smoothed curve, each epoch's losses and accuracies, the best epoch. */
static void
draw_recorded_run (DlTrainPage       *self,
                   const NnRun       *run,
                   const NnRunCurves *curves)
{
  g_autoptr(GPtrArray) runs = g_ptr_array_new ();
  XAxis axis;

  g_ptr_array_add (runs, (gpointer) run);
  axis = usable_x_axis (self, runs);
  if (self->overlaid || dl_chart_get_n_series (self->loss_chart) == 0 ||
      self->live_validation == run->recipe.extras.train_on_all)
    add_live_series (self, !run->recipe.extras.train_on_all);
  clear_charts (self);
  for (size_t p = 0; curves != NULL && p < curves->n_points; p++)
    append_loss (self, curve_x (run, &curves->points[p], axis), curves->points[p].mean);
  for (guint e = 0; e < run->n_epochs; e++)
    {
      const NnEpochStats *st = &run->epochs[e].stats;
      double x = epoch_x (run, e, axis);

      dl_chart_append (self->loss_chart, self->train_loss, x, st->train_loss);
      append_live (self->loss_chart, self->val_loss, x, st->val_loss);
      dl_chart_append (self->accuracy_chart, self->train_acc, x, st->train_accuracy);
      append_live (self->accuracy_chart, self->val_acc, x, st->val_accuracy);
      dl_chart_append (self->accuracy_chart, self->test_acc, x, st->test_accuracy);
    }
  if (run->best_epoch > 0 && run->best_epoch <= run->n_epochs)
    {
      double x = epoch_x (run, run->best_epoch - 1, axis);
      const char *kept = kept_epoch_label (run->recipe.extras.train_on_all);

      dl_chart_set_marker (self->loss_chart, x, kept);
      dl_chart_set_marker (self->accuracy_chart, x, kept);
    }
  set_x_axis (self, axis, MAX (run->n_epochs, run->recipe.epochs), run->n_train);
  if (run->n_epochs > 0)
    summarise_epoch (self, &run->epochs[run->n_epochs - 1].stats);
  self->live_shown = FALSE;
}

typedef struct
{
  char        *store_dir;
  char        *id;          /* the run to read, or NULL: the one the model path names, else the
                             * newest */
  char        *model_path;
  NnRun       *run;
  NnRunCurves *curves;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_free (job->store_dir);
  g_free (job->id);
  g_free (job->model_path);
  nn_run_free (job->run);
  nn_run_curves_free (job->curves);
  g_free (job);
}

/* The id of the run whose model folder path is, or NULL */
static char *
run_id_of_model_path (const char *store_dir,
                      const char *path)
{
  g_autofree char *dir = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *base = NULL;
  g_autofree char *store = NULL;

  if (path == NULL || path[0] == '\0')
    return NULL;
  base = g_path_get_basename (path);
  if (!g_str_equal (base, NN_RUN_MODEL_DIR))
    return NULL;
  dir = g_path_get_dirname (path);
  parent = g_path_get_dirname (dir);
  store = g_canonicalize_filename (store_dir, NULL);
  {
    g_autofree char *canonical = g_canonicalize_filename (parent, NULL);
    g_autofree char *id = g_path_get_basename (dir);

    if (!g_str_equal (canonical, store) || !nn_run_id_is_valid (id))
      return NULL;
    return g_steal_pointer (&id);
  }
}

static void
load_run_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  LoadJob *job = task_data;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  store = nn_run_store_new (job->store_dir, &error);
  if (store != NULL)
    {
      id = job->id != NULL ? g_strdup (job->id)
                           : run_id_of_model_path (job->store_dir, job->model_path);
      job->run = id != NULL ? nn_run_store_load (store, id, NULL) : NULL;
      if (job->run == NULL && job->id == NULL)
        job->run = nn_run_store_find (store, "last", NULL);
    }
  if (job->run != NULL && job->run->status != NN_RUN_STATUS_DAMAGED &&
      job->run->status != NN_RUN_STATUS_RUNNING)
    job->curves = nn_run_load_curves (job->run, NULL);
  else
    g_clear_pointer (&job->run, nn_run_free);
  g_task_return_boolean (task, job->run != NULL);
}

/* Draws the shown run unless the run in progress or an overlay has the charts. */
static void
show_idle_run (DlTrainPage *self)
{
  GPtrArray *compared = self->session != NULL ? dl_session_get_compared_runs (self->session)
                                              : NULL;

  if (dl_training_get_running (self->training) || (compared != NULL && compared->len > 0))
    return;
  if (self->shown_run != NULL)
    draw_recorded_run (self, self->shown_run, self->shown_curves);
}

static void
on_run_loaded (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  DlTrainPage *self;
  LoadJob *job;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error != NULL)
        return;   /* cancelled: the page may be gone */
    }
  self = DL_TRAIN_PAGE (source);
  job = g_task_get_task_data (G_TASK (result));
  if (job->run == NULL)
    return;
  g_clear_pointer (&self->shown_run, nn_run_free);
  g_clear_pointer (&self->shown_curves, nn_run_curves_free);
  self->shown_run = g_steal_pointer (&job->run);
  self->shown_curves = g_steal_pointer (&job->curves);
  g_free (self->shown_id);
  self->shown_id = g_strdup (self->shown_run->id);
  show_idle_run (self);
}

/* Reads the run to show on a worker (id NULL: the model's run, else the newest), then draws
 * it if nothing else has the charts by then. */
static void
load_idle_run (DlTrainPage *self,
               const char  *id)
{
  g_autoptr(GTask) task = NULL;
  NnRunStore *store;
  LoadJob *job;

  if (self->training == NULL ||
      (store = dl_training_get_run_store (self->training, NULL)) == NULL)
    return;
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  job = g_new0 (LoadJob, 1);
  job->store_dir = g_strdup (nn_run_store_get_dir (store));
  job->id = g_strdup (id);
  job->model_path = g_settings_get_string (self->settings, "model-path");
  task = g_task_new (self, self->load_cancellable, on_run_loaded, NULL);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, job, (GDestroyNotify) load_job_free);
  g_task_run_in_thread (task, load_run_thread);
}

/* Nothing overlaid, nothing training: the finished run, from memory or its record; the live
 * series where they are that run by epoch. */
static void
refresh_idle_run (DlTrainPage *self)
{
  if (dl_training_get_running (self->training))
    return;
  if (self->live_shown && !self->overlaid && get_x_axis (self) == X_EPOCH)
    {
      usable_x_axis (self, NULL);
      return;
    }
  if (self->shown_run != NULL && g_strcmp0 (self->shown_run->id, self->shown_id) == 0)
    show_idle_run (self);
  else if (self->shown_id != NULL)
    load_idle_run (self, self->shown_id);
  else
    {
      if (self->overlaid)
        {
          add_live_series (self, self->live_validation);
          clear_charts (self);
        }
      usable_x_axis (self, NULL);
    }
}

/* One recorded run's curves in its colour: the training loss of every batch (the record's
 * points) and the validation loss; validation and test accuracy. Behind a run in progress
 * (behind): its training loss and validation accuracy alone, thin, by epoch. */
static void
add_run_series (DlTrainPage       *self,
                const NnRun       *run,
                const NnRunCurves *curves,
                XAxis              axis,
                const char        *color,
                gboolean           behind)
{
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (run->started);
  g_autofree char *when = g_date_time_format (started, "%H:%M:%S");
  const char *label = run->name != NULL && run->name[0] != '\0' ? run->name : when;
  /* Translators: a run's name, then which of its curves */
  g_autofree char *train_name = g_strdup_printf (_("%s training"), label);
  g_autofree char *val_name = g_strdup_printf (_("%s validation"), label);
  g_autofree char *test_name = g_strdup_printf (_("%s test"), label);
  guint loss = dl_chart_add_series (self->loss_chart, train_name, color,
                                    behind ? DL_CHART_FAINT : DL_CHART_LINE);
  /* a run that trained on its validation images has no validation figures */
  gboolean validation = !run->recipe.extras.train_on_all;
  guint val_loss = behind || !validation ? G_MAXUINT
                                         : dl_chart_add_series (self->loss_chart, val_name, color,
                                                                DL_CHART_MARKERS);
  guint val_acc = !validation ? G_MAXUINT
                              : dl_chart_add_series (self->accuracy_chart, val_name, color,
                                                     behind ? DL_CHART_FAINT : DL_CHART_MARKERS);
  guint test_acc = behind ? G_MAXUINT : dl_chart_add_series (self->accuracy_chart, test_name,
                                                             color, DL_CHART_LINE);

  for (size_t p = 0; curves != NULL && p < curves->n_points; p++)
    dl_chart_append (self->loss_chart, loss, curve_x (run, &curves->points[p], axis),
                     curves->points[p].mean);
  for (guint e = 0; e < run->n_epochs; e++)
    {
      const NnEpochStats *st = &run->epochs[e].stats;
      double x = epoch_x (run, e, axis);

      if (val_loss != G_MAXUINT && isfinite (st->val_loss))
        dl_chart_append (self->loss_chart, val_loss, x, st->val_loss);
      if (val_acc != G_MAXUINT && isfinite (st->val_accuracy))
        dl_chart_append (self->accuracy_chart, val_acc, x, st->val_accuracy);
      if (test_acc != G_MAXUINT && isfinite (st->test_accuracy))
        dl_chart_append (self->accuracy_chart, test_acc, x, st->test_accuracy);
    }
  /* a recorded run no longer grows: drawn once, under what does */
  dl_chart_set_series_still (self->loss_chart, loss, TRUE);
  if (val_loss != G_MAXUINT)
    dl_chart_set_series_still (self->loss_chart, val_loss, TRUE);
  if (val_acc != G_MAXUINT)
    dl_chart_set_series_still (self->accuracy_chart, val_acc, TRUE);
  if (test_acc != G_MAXUINT)
    dl_chart_set_series_still (self->accuracy_chart, test_acc, TRUE);
}

/* The runs behind the live one and their curves, read on a worker */
typedef struct
{
  GPtrArray *runs;          /* the session's compared runs (a reference: they do not change) */
  GPtrArray *curves;        /* NnRunCurves or NULL, one a run */
  guint      n_loss;        /* the charts' live series when the read began */
  guint      n_accuracy;
} BehindJob;

static void
behind_job_free (BehindJob *job)
{
  g_ptr_array_unref (job->runs);
  g_clear_pointer (&job->curves, g_ptr_array_unref);
  g_free (job);
}

static void
load_behind_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  BehindJob *job = task_data;

  for (guint i = 0; i < job->runs->len && !g_cancellable_is_cancelled (cancellable); i++)
    g_ptr_array_add (job->curves, nn_run_load_curves (job->runs->pdata[i], NULL));
  g_task_return_boolean (task, TRUE);
}

static void
on_behind_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  static const char *const colors[] = { "red", "brown", "purple", "green", "orange", "blue" };
  g_autoptr(GError) error = NULL;
  DlTrainPage *self;
  BehindJob *job;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;   /* cancelled: another selection, another run, or the page is gone */
  self = DL_TRAIN_PAGE (source);
  job = g_task_get_task_data (G_TASK (result));
  /* the charts still hold the live series alone, as when the read began */
  if (dl_chart_get_n_series (self->loss_chart) != job->n_loss ||
      dl_chart_get_n_series (self->accuracy_chart) != job->n_accuracy)
    return;
  for (guint i = 0; i < job->runs->len && i < job->curves->len; i++)
    add_run_series (self, job->runs->pdata[i], job->curves->pdata[i], X_EPOCH,
                    colors[i % G_N_ELEMENTS (colors)], TRUE);
}

/* The runs chosen in the Runs view behind the run in progress, in colours of their own */
static void
add_runs_behind (DlTrainPage *self)
{
  GPtrArray *runs = self->session != NULL ? dl_session_get_compared_runs (self->session) : NULL;
  g_autoptr(GTask) task = NULL;
  BehindJob *job;

  g_cancellable_cancel (self->behind_cancellable);
  g_clear_object (&self->behind_cancellable);
  dl_chart_remove_series_from (self->loss_chart, (self->live_validation ? self->val_loss
                                                                       : self->train_loss) + 1);
  dl_chart_remove_series_from (self->accuracy_chart, self->test_acc + 1);
  if (runs == NULL || runs->len == 0)
    return;
  /* their curves are read on a worker, the first frames of the run not waiting for them */
  self->behind_cancellable = g_cancellable_new ();
  job = g_new0 (BehindJob, 1);
  job->runs = g_ptr_array_ref (runs);
  job->curves = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_curves_free);
  job->n_loss = dl_chart_get_n_series (self->loss_chart);
  job->n_accuracy = dl_chart_get_n_series (self->accuracy_chart);
  task = g_task_new (self, self->behind_cancellable, on_behind_loaded, NULL);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_set_task_data (task, job, (GDestroyNotify) behind_job_free);
  g_task_run_in_thread (task, load_behind_thread);
}

/* The runs chosen in the Runs view, each in its own colour, by epochs, images seen or seconds.
 * The run in progress keeps the charts while it trains, the chosen runs behind it. */
static void
on_compared_runs (DlTrainPage *self)
{
  static const char *const colors[] = { "blue", "orange", "green", "purple", "red", "brown" };
  GPtrArray *runs = dl_session_get_compared_runs (self->session);
  guint max_epochs = 1;
  guint64 max_train = 1;
  XAxis axis;

  if (dl_training_get_running (self->training))
    {
      add_runs_behind (self);
      return;
    }
  if (runs->len == 0 && !self->overlaid)
    return;
  if (runs->len == 0)
    {
      refresh_idle_run (self);
      return;
    }
  axis = usable_x_axis (self, runs);
  g_cancellable_cancel (self->behind_cancellable);
  dl_chart_remove_series_from (self->loss_chart, 0);
  dl_chart_remove_series_from (self->accuracy_chart, 0);
  clear_charts (self);
  self->overlaid = TRUE;
  self->live_shown = FALSE;
  for (guint i = 0; i < runs->len; i++)
    {
      const NnRun *run = runs->pdata[i];
      g_autoptr(NnRunCurves) curves = nn_run_load_curves (run, NULL);

      add_run_series (self, run, curves, axis, colors[i % G_N_ELEMENTS (colors)], FALSE);
      max_epochs = MAX (max_epochs, MAX (run->n_epochs, run->recipe.epochs));
      max_train = MAX (max_train, run->n_train);
    }
  set_x_axis (self, axis, max_epochs, max_train);
  dl_chart_set_y_range (self->accuracy_chart, NAN, 1);
}

static void
on_x_axis_toggled (GtkToggleButton *button,
                   DlTrainPage     *self)
{
  const char *name = button == self->x_images_button ? "images"
                     : button == self->x_time_button ? "time" : "epoch";

  if (self->syncing_axis || !gtk_toggle_button_get_active (button))
    return;
  g_settings_set_string (self->settings, "chart-x-axis", name);
}

static void
on_x_axis_changed (DlTrainPage *self)
{
  GPtrArray *compared = self->session != NULL ? dl_session_get_compared_runs (self->session)
                                              : NULL;

  if (dl_training_get_running (self->training))
    return;
  if (compared != NULL && compared->len > 0)
    on_compared_runs (self);
  else
    refresh_idle_run (self);
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
  g_auto(GStrv) lines = NULL;

  /* Translators: live training status, below "Epoch 3 of 10 · batch 200 of 860"; the times
   * are minutes:seconds */
  text = g_strdup_printf (_("%s\n%.0f images/s · %s elapsed · %s left"), where,
                          p->samples_per_second, elapsed, eta);
  lines = g_strsplit (text, "\n", 2);
  gtk_inscription_set_text (self->progress_lines[0], lines[0]);
  gtk_inscription_set_text (self->progress_lines[1], lines[0] != NULL ? lines[1] : NULL);
  if (!gtk_widget_get_visible (self->progress_box))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
      gtk_widget_set_visible (self->progress_box, TRUE);
    }
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
  gtk_widget_set_visible (self->progress_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
}

/* Each new text in the label lays the window out again: a few a second, the newest. */
static void
on_progress (DlTraining            *training,
             const NnTrainProgress *p,
             DlTrainPage           *self)
{
  double x = (p->epoch - 1) + (double) p->batch / p->n_batches;
  gint64 since;

  append_loss (self, x, p->loss);
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
  dl_chart_append (self->loss_chart, self->train_loss, s->epoch, s->train_loss);
  append_live (self->loss_chart, self->val_loss, s->epoch, s->val_loss);
  dl_chart_append (self->accuracy_chart, self->train_acc, s->epoch, s->train_accuracy);
  append_live (self->accuracy_chart, self->val_acc, s->epoch, s->val_accuracy);
  dl_chart_append (self->accuracy_chart, self->test_acc, s->epoch, s->test_accuracy);
  if (s->is_best)
    {
      self->best_epoch = s->epoch;
      self->best_accuracy = s->val_accuracy;
      dl_chart_set_marker (self->loss_chart, s->epoch, kept_epoch_label (isnan (s->val_accuracy)));
      dl_chart_set_marker (self->accuracy_chart, s->epoch,
                           kept_epoch_label (isnan (s->val_accuracy)));
    }
  /* the newest epoch for screen readers; batches alone would announce too often */
  summarise_epoch (self, s);
}

static void
on_finished (DlTraining  *training,
             gboolean     stopped,
             DlTrainPage *self)
{
  g_autoptr(GError) error = NULL;
  NnModel *model = dl_training_dup_model (training, &error);

  update_actions (self);
  usable_x_axis (self, NULL);
  /* the live series are this run's, by epoch, until another axis or an overlay */
  g_free (self->shown_id);
  self->shown_id = g_strdup (dl_training_get_run_id (training));
  self->live_shown = TRUE;
  if (model == NULL)
    {
      set_status (self, _("Stopped before the first epoch ended"));
      return;
    }
  {
    g_autofree char *accuracy = dl_format_percent (self->best_accuracy, 2);
    g_autofree char *text = NULL;

    if (isnan (self->best_accuracy) && stopped)
      /* Translators: trained on the validation images too, the last epoch is kept */
      text = g_strdup_printf (_("Stopped: epoch %u, the last, is kept (trained on all images: "
                                "no held-out validation figure)"), self->best_epoch);
    else if (isnan (self->best_accuracy))
      /* Translators: trained on the validation images too, the last epoch is kept */
      text = g_strdup_printf (_("Finished: epoch %u, the last, is kept (trained on all images: "
                                "no held-out validation figure)"), self->best_epoch);
    else if (stopped)
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
  usable_x_axis (self, NULL);
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

/* The CPU time of the calling thread, in µs: unlike the time between frames, what the main
 * thread did there, whatever else the machine ran meanwhile */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The time from the frame's tick to the end of its paint: layout and drawing. */
static void
on_frame_painted (DlTrainPage *self)
{
  gint64 frame = g_get_monotonic_time () - self->frame_last;
  gint64 cpu = thread_cpu_time () - self->frame_last_cpu;

  if (self->frame_last <= 0)
    return;
  self->worst_frame = MAX (self->worst_frame, frame);
  self->worst_frame_cpu = MAX (self->worst_frame_cpu, cpu);
  /* the debug log's time stamps place it among the epochs' lines */
  if (frame >= FRAME_REPORTED || cpu >= FRAME_REPORTED)
    g_debug ("long frame: %.1f ms from its tick to the end of its paint, %.1f ms of CPU",
             frame / 1e3, cpu / 1e3);
}

static gboolean
on_frame_tick (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  DlTrainPage *self = DL_TRAIN_PAGE (widget);
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_time ();

  if (self->frame_last > 0)
    {
      self->worst_gap = MAX (self->worst_gap, now - self->frame_last);
      self->worst_gap_cpu = MAX (self->worst_gap_cpu, cpu - self->frame_last_cpu);
      if (now - self->frame_last >= FRAME_REPORTED || cpu - self->frame_last_cpu >= FRAME_REPORTED)
        g_debug ("long frame gap: %.1f ms, %.1f ms of CPU", (now - self->frame_last) / 1e3,
                 (cpu - self->frame_last_cpu) / 1e3);
    }
  self->frame_last = now;
  self->frame_last_cpu = cpu;
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
      self->worst_gap_cpu = self->worst_frame_cpu = 0;
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
      g_debug ("frames while training: %u, longest gap %.1f ms, longest frame %.1f ms, "
               "most CPU between frames %.1f ms, in a frame %.1f ms",
               self->n_frames, self->worst_gap / 1e3, self->worst_frame / 1e3,
               self->worst_gap_cpu / 1e3, self->worst_frame_cpu / 1e3);
    }
}

static void
on_running_changed (DlTrainPage *self)
{
  /* a run resumed from the Runs view takes the charts back from an overlay */
  if (dl_training_get_running (self->training))
    {
      g_cancellable_cancel (self->load_cancellable);
      if (self->overlaid || !self->live_shown)
        {
          add_live_series (self, self->live_validation);
          clear_charts (self);
        }
      add_runs_behind (self);
      self->live_shown = FALSE;
      usable_x_axis (self, NULL);
      dl_chart_set_x_label (self->loss_chart, _("epoch"));
      dl_chart_set_x_label (self->accuracy_chart, _("epoch"));
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

  if (self->overlaid || self->live_validation == config.extras.train_on_all)
    add_live_series (self, !config.extras.train_on_all);
  clear_charts (self);
  self->live_shown = FALSE;
  dl_chart_set_x_label (self->loss_chart, _("epoch"));
  dl_chart_set_x_label (self->accuracy_chart, _("epoch"));
  dl_chart_set_x_range (self->loss_chart, 0, config.epochs);
  dl_chart_set_x_range (self->accuracy_chart, 0, config.epochs);
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
  usable_x_axis (self, NULL);
}

static void
dl_train_page_dispose (GObject *object)
{
  DlTrainPage *self = DL_TRAIN_PAGE (object);

  dl_page_set_session (DL_PAGE (self), NULL);
  measure_frames (self, FALSE);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_cancellable_cancel (self->behind_cancellable);
  g_clear_object (&self->behind_cancellable);
  g_clear_pointer (&self->shown_run, nn_run_free);
  g_clear_pointer (&self->shown_curves, nn_run_curves_free);
  g_clear_pointer (&self->shown_id, g_free);
  g_clear_pointer (&self->raw_loss, g_array_unref);
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

  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlTrainPage, session),
                                 (DlPageFollowFunc) dl_train_page_follow_session);
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
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, x_axis_box);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, x_epoch_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, x_images_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, x_time_button);
  gtk_widget_class_bind_template_child (widget_class, DlTrainPage, smoothing_scale);
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

  self->progress_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  for (int i = 0; i < 2; i++)
    {
      self->progress_lines[i] = GTK_INSCRIPTION (gtk_inscription_new (NULL));
      gtk_inscription_set_xalign (self->progress_lines[i], 0.5);
      gtk_inscription_set_nat_chars (self->progress_lines[i], 40);
      gtk_inscription_set_text_overflow (self->progress_lines[i],
                                         GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (self->progress_box), GTK_WIDGET (self->progress_lines[i]));
    }
  gtk_widget_add_css_class (self->progress_box, "dim-label");
  gtk_widget_add_css_class (self->progress_box, "numeric");
  gtk_widget_set_visible (self->progress_box, FALSE);
  {
    GtkWidget *parent = gtk_widget_get_parent (GTK_WIDGET (self->status_label));

    g_assert (GTK_IS_BOX (parent));
    gtk_box_insert_child_after (GTK_BOX (parent), self->progress_box,
                                GTK_WIDGET (self->status_label));
  }

  self->loss_chart = DL_CHART (dl_chart_new (_("epoch"), _("loss")));
  self->accuracy_chart = DL_CHART (dl_chart_new (_("epoch"), _("accuracy")));
  add_live_series (self, TRUE);
  dl_chart_set_placeholder (self->loss_chart,
                            _("The loss of every batch appears here once training starts"));
  dl_chart_set_placeholder (self->accuracy_chart, _("Accuracy appears after each epoch"));
  dl_chart_set_y_percent (self->accuracy_chart, TRUE);
  g_signal_connect_swapped (self->log_scale_check, "notify::active",
                            G_CALLBACK (on_log_scale_changed), self);
  g_settings_bind (self->settings, "loss-log-scale", self->log_scale_check, "active",
                   G_SETTINGS_BIND_DEFAULT);
  on_log_scale_changed (self);
  self->raw_loss = g_array_new (FALSE, FALSE, sizeof (double) * 2);
  self->smoothing = -1;
  g_settings_bind (self->settings, "loss-smoothing",
                   gtk_range_get_adjustment (self->smoothing_scale), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_swapped (self->settings, "changed::loss-smoothing",
                            G_CALLBACK (on_smoothing_changed), self);
  g_signal_connect_swapped (self->settings, "changed::chart-x-axis",
                            G_CALLBACK (on_x_axis_changed), self);
  g_signal_connect (self->x_epoch_button, "toggled", G_CALLBACK (on_x_axis_toggled), self);
  g_signal_connect (self->x_images_button, "toggled", G_CALLBACK (on_x_axis_toggled), self);
  g_signal_connect (self->x_time_button, "toggled", G_CALLBACK (on_x_axis_toggled), self);
  on_smoothing_changed (self);
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
dl_train_page_follow_session (DlTrainPage *self,
                              DlSession   *old_session)
{
  DlSession *session = self->session;

  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "notify::training", G_CALLBACK (on_session_training), self);
  g_signal_connect_swapped (session, "notify::dataset", G_CALLBACK (on_session_dataset), self);
  g_signal_connect_swapped (session, "notify::compared-runs",
                            G_CALLBACK (on_compared_runs), self);
  on_session_training (self);
  on_session_dataset (self);
  /* the run of the model in use, or the newest, until something else is drawn */
  if (!dl_training_get_running (self->training))
    load_idle_run (self, NULL);
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
