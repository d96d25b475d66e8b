/* dl-spec-editor.c: parse and plan on every edit (cheap: nothing of the network's size is
 * allocated); time a few training batches on a worker once the typing pauses */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-spec-editor.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-format.h"

#include "nn-network.h"
#include "nn-optimizer.h"
#include "nn-rng.h"
#include "nn-spec.h"

/* the typing pause before a measurement starts, in ms */
#define MEASURE_DELAY 700
/* batches timed after one to warm up, and the most time spent on them */
#define MEASURE_BATCHES 4
#define MEASURE_MAX_SECONDS 3.0
/* no measurement needs more than this for its activations */
#define MEASURE_MAX_BYTES (G_GUINT64_CONSTANT (512) << 20)

struct _DlSpecEditor
{
  GtkBox          parent_instance;

  GtkTextView    *view;
  GtkTextBuffer  *buffer;
  GtkTextTag     *error_tag;
  GtkLabel       *status_label;
  GtkLabel       *time_label;

  size_t          C, H, W, n_classes, n_train;
  guint           batch_size;
  gboolean        can_measure;

  gboolean        valid;
  size_t          n_params;
  double          flops;
  double          activation_bytes;   /* one image's, all layers */
  char           *error;
  int             error_start, error_end;

  double          epoch_seconds;
  guint           measure_source;
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (DlSpecEditor, dl_spec_editor, GTK_TYPE_BOX)

enum
{
  PROP_0,
  PROP_TEXT,
  PROP_VALID,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void check (DlSpecEditor *self);

/* ---- the measurement, on a worker ------------------------------------------------------ */

typedef struct
{
  char   *spec;
  size_t  C, H, W, n_classes;
  guint   batch;
} MeasureJob;

static void
measure_job_free (MeasureJob *job)
{
  g_free (job->spec);
  g_free (job);
}

/* Seconds per training batch of random images: forward, backward and an Adam step, as the
 * trainer runs them on all cores; the data's own preparation is not counted. */
static void
measure_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  MeasureJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (job->spec, &error);
  g_autoptr(NnOptimizer) opt = NULL;
  g_autofree float *x = NULL;
  g_autofree guint8 *labels = NULL;
  NnNetwork *net = NULL;
  NnOptimizerConfig oc;
  size_t in_size = job->C * job->H * job->W;
  size_t n_threads = MIN ((size_t) CLAMP (g_get_num_processors (), 1, 64), job->batch);
  double *seconds;
  gint64 start = 0;
  guint timed = 0;
  NnRng rng;

  if (spec != NULL)
    net = nn_network_new (spec, job->C, job->H, job->W, n_threads, &error);
  if (net == NULL || !nn_network_reserve (net, job->batch, &error))
    goto fail;
  nn_optimizer_config_init (&oc, NN_OPTIMIZER_ADAM);
  opt = nn_optimizer_new (&oc, nn_network_get_n_params (net), &error);
  x = g_try_new (float, job->batch * in_size);
  labels = g_try_new (guint8, job->batch);
  if (opt == NULL || x == NULL || labels == NULL)
    goto fail;
  nn_rng_init (&rng, 1);
  nn_network_init_params (net, &rng);
  for (size_t i = 0; i < job->batch * in_size; i++)
    x[i] = nn_rng_normal (&rng);
  for (guint i = 0; i < job->batch; i++)
    labels[i] = (guint8) nn_rng_below (&rng, (guint32) job->n_classes);

  for (guint b = 0; b <= MEASURE_BATCHES; b++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      /* the first batch warms the caches and is not counted */
      if (b == 1)
        start = g_get_monotonic_time ();
      nn_network_train_step (net, x, labels, job->batch, b, NULL);
      nn_network_optimizer_step (net, opt);
      if (b >= 1)
        timed++;
      if (b >= 1 && (g_get_monotonic_time () - start) / 1e6 > MEASURE_MAX_SECONDS)
        break;
    }
  nn_network_free (net);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (timed == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "nothing was timed");
      return;
    }
  seconds = g_new (double, 1);
  *seconds = (g_get_monotonic_time () - start) / 1e6 / timed;
  g_task_return_pointer (task, seconds, g_free);
  return;

fail:
  nn_network_free (net);
  if (error == NULL)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "not enough memory");
  g_task_return_error (task, g_steal_pointer (&error));
}

static char *
format_seconds (double seconds)
{
  int s = (int) (seconds + 0.5);

  if (seconds < 1)
    /* Translators: an epoch's estimated training time */
    return g_strdup (_("under a second"));
  if (s < 60)
    return g_strdup_printf (g_dngettext (NULL, "%d second", "%d seconds", s), s);
  if (s < 3600)
    return g_strdup_printf (_("%d min %02d s"), s / 60, s % 60);
  return g_strdup_printf (_("%d h %02d min"), s / 3600, s / 60 % 60);
}

static void
on_measured (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree double *seconds = g_task_propagate_pointer (G_TASK (result), &error);
  DlSpecEditor *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = DL_SPEC_EDITOR (user_data);
  g_clear_object (&self->cancellable);
  if (seconds == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not time a batch: %s"), error->message);

      gtk_label_set_label (self->time_label, text);
      return;
    }
  {
    size_t batches = (self->n_train + self->batch_size - 1) / MAX (self->batch_size, 1);
    g_autofree char *epoch = NULL;
    g_autofree char *text = NULL;

    self->epoch_seconds = *seconds * batches;
    epoch = format_seconds (self->epoch_seconds);
    /* Translators: the estimate, then how it was made */
    text = g_strdup_printf (_("About %s an epoch of training (from %u batches of %u timed "
                              "here; validation and augmentation not counted)"), epoch,
                            MEASURE_BATCHES, self->batch_size);
    gtk_label_set_label (self->time_label, text);
  }
}

static void
cancel_measurement (DlSpecEditor *self)
{
  g_clear_handle_id (&self->measure_source, g_source_remove);
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
}

static gboolean
start_measurement (gpointer data)
{
  DlSpecEditor *self = data;
  g_autoptr(GTask) task = NULL;
  MeasureJob *job;

  self->measure_source = 0;
  if (!self->valid || !self->can_measure || self->n_train == 0)
    return G_SOURCE_REMOVE;
  if (self->activation_bytes * self->batch_size * 3 > (double) MEASURE_MAX_BYTES)
    {
      gtk_label_set_label (self->time_label,
                           _("Too large to time a batch here: see the memory above"));
      return G_SOURCE_REMOVE;
    }
  job = g_new0 (MeasureJob, 1);
  job->spec = dl_spec_editor_dup_text (self);
  job->C = self->C;
  job->H = self->H;
  job->W = self->W;
  job->n_classes = self->n_classes;
  job->batch = self->batch_size;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, self->cancellable, on_measured, self);
  g_task_set_task_data (task, job, (GDestroyNotify) measure_job_free);
  g_task_run_in_thread (task, measure_thread);
  gtk_label_set_label (self->time_label, _("Timing a few batches…"));
  return G_SOURCE_REMOVE;
}

static void
schedule_measurement (DlSpecEditor *self)
{
  cancel_measurement (self);
  self->epoch_seconds = NAN;
  if (!self->valid)
    gtk_label_set_label (self->time_label, "");
  else if (!self->can_measure)
    gtk_label_set_label (self->time_label, _("The epoch time is estimated when no training "
                                             "runs"));
  else
    {
      gtk_label_set_label (self->time_label, _("Timing a few batches…"));
      self->measure_source = g_timeout_add (MEASURE_DELAY, start_measurement, self);
    }
}

/* ---- checking ----------------------------------------------------------------------------- */

/* A layer's error from planning the whole spec: the first prefix that fails the same way is
 * where it is. The check that the last layer gives scores fails every prefix, so it points at
 * the last layer. */
static size_t
failing_layer (const NnSpec *spec,
               size_t        C,
               size_t        H,
               size_t        W,
               const char   *message)
{
  g_autoptr(GError) end_error = NULL;
  NnLayerSpec flatten = { 0 };
  NnSpec only_flatten = { &flatten, 1 };
  size_t n;

  /* the message of the end check, as the engine words it */
  if (!nn_layer_kind_from_string ("flatten", &flatten.kind))
    return spec->n_layers - 1;
  g_free (nn_network_plan (&only_flatten, 1, 28, 28, &n, &end_error));
  if (end_error != NULL && g_strcmp0 (end_error->message, message) == 0)
    return spec->n_layers - 1;
  for (size_t k = 1; k <= spec->n_layers; k++)
    {
      g_autoptr(GError) error = NULL;
      NnSpec prefix = { spec->layers, k };
      g_autofree NnLayer *layers = nn_network_plan (&prefix, C, H, W, &n, &error);

      if (error != NULL && g_strcmp0 (error->message, message) == 0)
        return k - 1;
    }
  return spec->n_layers - 1;
}

static char *
format_count (double value,
              const char *unit)
{
  if (value >= 1e9)
    return g_strdup_printf ("%.1f G%s", value / 1e9, unit);
  if (value >= 1e6)
    return g_strdup_printf ("%.1f M%s", value / 1e6, unit);
  if (value >= 1e3)
    return g_strdup_printf ("%.1f k%s", value / 1e3, unit);
  return g_strdup_printf ("%.0f %s", value, unit);
}

static void
set_error (DlSpecEditor *self,
           const char   *text,
           const char   *message,
           size_t        byte_start,
           size_t        byte_end)
{
  GtkTextIter a, b;
  g_autofree char *shown = NULL;

  self->valid = FALSE;
  self->n_params = 0;
  self->flops = 0;
  g_free (self->error);
  self->error = g_strdup (message);
  byte_end = MIN (byte_end, strlen (text));
  byte_start = MIN (byte_start, byte_end);
  self->error_start = (int) g_utf8_pointer_to_offset (text, text + byte_start);
  self->error_end = (int) g_utf8_pointer_to_offset (text, text + byte_end);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &a, self->error_start);
  gtk_text_buffer_get_iter_at_offset (self->buffer, &b, self->error_end);
  gtk_text_buffer_apply_tag (self->buffer, self->error_tag, &a, &b);
  /* the engine's messages begin with the context, which the row already gives */
  if (g_str_has_prefix (message, "Architecture: "))
    message += strlen ("Architecture: ");
  /* a sentence of its own: capitalised */
  shown = g_strdup_printf ("%c%s", g_ascii_toupper (message[0]), message[0] != '\0' ? message + 1 : "");
  gtk_label_set_label (self->status_label, shown);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown, -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_STATE_INVALID,
                               GTK_ACCESSIBLE_INVALID_TRUE, -1);
}

static void
check (DlSpecEditor *self)
{
  g_autofree char *text = dl_spec_editor_dup_text (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = NULL;
  g_autofree NnLayer *layers = NULL;
  GtkTextIter a, b;
  NnSpecSpan span = { 0, 0 };
  gboolean was_valid = self->valid;
  size_t n_params = 0;

  gtk_text_buffer_get_bounds (self->buffer, &a, &b);
  gtk_text_buffer_remove_tag (self->buffer, self->error_tag, &a, &b);
  g_clear_pointer (&self->error, g_free);
  self->error_start = self->error_end = 0;

  spec = nn_spec_parse_located (text, &span, &error);
  if (spec == NULL)
    set_error (self, text, error->message, span.start, span.end);
  else if ((layers = nn_network_plan (spec, self->C, self->H, self->W, &n_params,
                                      &error)) == NULL)
    {
      size_t k = failing_layer (spec, self->C, self->H, self->W, error->message);

      if (!nn_spec_item_span (text, k, &span))
        span = (NnSpecSpan) { 0, strlen (text) };
      set_error (self, text, error->message, span.start, span.end);
    }
  else if (layers[spec->n_layers - 1].out_c != self->n_classes)
    {
      g_autofree char *message = g_strdup_printf (_("The last layer gives %zu scores, but the "
                                                    "data has %zu classes"),
                                                  layers[spec->n_layers - 1].out_c,
                                                  self->n_classes);

      if (!nn_spec_item_span (text, spec->n_layers - 1, &span))
        span = (NnSpecSpan) { 0, strlen (text) };
      set_error (self, text, message, span.start, span.end);
    }
  else
    {
      g_autofree char *params = NULL, *flops = NULL, *model = NULL, *acts = NULL;
      g_autofree char *shown = NULL, *count = dl_format_count (n_params);
      double activations = (double) (self->C * self->H * self->W);

      self->valid = TRUE;
      self->n_params = n_params;
      self->flops = 0;
      for (size_t i = 0; i < spec->n_layers; i++)
        {
          const NnLayer *l = &layers[i];

          /* as nn_network_get_flops_per_sample counts: two operations per multiply-add */
          if (l->n_weight > 0)
            self->flops += 2.0 * (double) l->n_weight * (double) (l->out_h * l->out_w);
          activations += (double) (l->out_c * l->out_h * l->out_w);
        }
      self->activation_bytes = activations * sizeof (float);
      params = g_strdup_printf (g_dngettext (NULL, "%s parameter", "%s parameters",
                                             (gulong) MIN (n_params, G_MAXULONG)),
                                count);
      flops = format_count (self->flops, "FLOP");
      model = format_count ((double) n_params * sizeof (float), "B");
      acts = format_count (self->activation_bytes, "B");
      /* Translators: parameters · operations for one image · the weights' size · the
       * activations kept for one training image */
      shown = g_strdup_printf (_("%s · %s per image\nWeights %s · activations %s per image"),
                               params, flops, model, acts);
      gtk_label_set_label (self->status_label, shown);
      gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, shown, -1);
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->view), GTK_ACCESSIBLE_STATE_INVALID);
    }
  if (was_valid != self->valid)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_VALID]);
  schedule_measurement (self);
}

static void
on_buffer_changed (DlSpecEditor *self)
{
  check (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TEXT]);
}

/* ---- the widget --------------------------------------------------------------------------- */

static void
dl_spec_editor_dispose (GObject *object)
{
  DlSpecEditor *self = DL_SPEC_EDITOR (object);

  cancel_measurement (self);
  G_OBJECT_CLASS (dl_spec_editor_parent_class)->dispose (object);
}

static void
dl_spec_editor_finalize (GObject *object)
{
  DlSpecEditor *self = DL_SPEC_EDITOR (object);

  g_free (self->error);
  G_OBJECT_CLASS (dl_spec_editor_parent_class)->finalize (object);
}

static void
dl_spec_editor_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  DlSpecEditor *self = DL_SPEC_EDITOR (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      g_value_take_string (value, dl_spec_editor_dup_text (self));
      break;
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_spec_editor_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  DlSpecEditor *self = DL_SPEC_EDITOR (object);

  switch (prop_id)
    {
    case PROP_TEXT:
      dl_spec_editor_set_text (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_spec_editor_class_init (DlSpecEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dl_spec_editor_dispose;
  object_class->finalize = dl_spec_editor_finalize;
  object_class->get_property = dl_spec_editor_get_property;
  object_class->set_property = dl_spec_editor_set_property;

  props[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, "",
                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                          G_PARAM_STATIC_STRINGS);
  props[PROP_VALID] = g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                                            G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                            G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "dl-spec-editor");
}

static void
dl_spec_editor_init (DlSpecEditor *self)
{
  GtkWidget *frame = gtk_frame_new (NULL);

  self->C = 1;
  self->H = self->W = 28;
  self->n_classes = 10;
  self->batch_size = 64;
  self->epoch_seconds = NAN;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 6);

  self->view = GTK_TEXT_VIEW (gtk_text_view_new ());
  self->buffer = gtk_text_view_get_buffer (self->view);
  gtk_text_view_set_monospace (self->view, TRUE);
  gtk_text_view_set_wrap_mode (self->view, GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_accepts_tab (self->view, FALSE);
  gtk_text_view_set_top_margin (self->view, 8);
  gtk_text_view_set_bottom_margin (self->view, 8);
  gtk_text_view_set_left_margin (self->view, 8);
  gtk_text_view_set_right_margin (self->view, 8);
  gtk_widget_set_size_request (GTK_WIDGET (self->view), -1, 64);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Architecture spec"), -1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->view),
                               _("Layers in order, for example conv(32,3,pad=1) relu "
                                 "maxpool(2) flatten dense(10)"));
  self->error_tag = gtk_text_buffer_create_tag (self->buffer, "error",
                                                "underline", PANGO_UNDERLINE_ERROR,
                                                "weight", PANGO_WEIGHT_BOLD, NULL);
  /* wrapped, the text must not ask for the width of its one long line */
  {
    GtkWidget *scrolled = gtk_scrolled_window_new ();

    gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                    GTK_POLICY_NEVER);
    gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
    gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->view));
    gtk_frame_set_child (GTK_FRAME (frame), scrolled);
  }
  gtk_widget_add_css_class (frame, "view");
  gtk_box_append (GTK_BOX (self), frame);

  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  self->time_label = GTK_LABEL (gtk_label_new (NULL));
  for (int i = 0; i < 2; i++)
    {
      GtkLabel *label = i == 0 ? self->status_label : self->time_label;

      gtk_label_set_xalign (label, 0);
      gtk_label_set_wrap (label, TRUE);
      gtk_label_set_wrap_mode (label, PANGO_WRAP_WORD_CHAR);
      /* wrapped: as wide as the column, never wider */
      gtk_label_set_max_width_chars (label, 30);
      gtk_label_set_selectable (label, FALSE);
      gtk_widget_add_css_class (GTK_WIDGET (label), "caption");
      gtk_widget_add_css_class (GTK_WIDGET (label), "numeric");
      gtk_box_append (GTK_BOX (self), GTK_WIDGET (label));
    }
  gtk_widget_add_css_class (GTK_WIDGET (self->time_label), "dim-label");
  g_signal_connect_swapped (self->buffer, "changed", G_CALLBACK (on_buffer_changed), self);
  check (self);
}

GtkWidget *
dl_spec_editor_new (void)
{
  return g_object_new (DL_TYPE_SPEC_EDITOR, NULL);
}

void
dl_spec_editor_set_text (DlSpecEditor *self,
                         const char   *text)
{
  g_autofree char *now = NULL;

  g_return_if_fail (DL_IS_SPEC_EDITOR (self));

  now = dl_spec_editor_dup_text (self);
  if (g_strcmp0 (now, text != NULL ? text : "") == 0)
    return;
  gtk_text_buffer_set_text (self->buffer, text != NULL ? text : "", -1);
}

char *
dl_spec_editor_dup_text (DlSpecEditor *self)
{
  GtkTextIter a, b;

  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), NULL);

  gtk_text_buffer_get_bounds (self->buffer, &a, &b);
  return gtk_text_buffer_get_text (self->buffer, &a, &b, FALSE);
}

void
dl_spec_editor_set_data (DlSpecEditor *self,
                         size_t        C,
                         size_t        H,
                         size_t        W,
                         size_t        n_classes,
                         size_t        n_train,
                         guint         batch_size)
{
  g_return_if_fail (DL_IS_SPEC_EDITOR (self));

  if (self->C == C && self->H == H && self->W == W && self->n_classes == n_classes &&
      self->n_train == n_train && self->batch_size == batch_size)
    return;
  self->C = C;
  self->H = H;
  self->W = W;
  self->n_classes = n_classes;
  self->n_train = n_train;
  self->batch_size = MAX (batch_size, 1);
  check (self);
}

void
dl_spec_editor_set_can_measure (DlSpecEditor *self,
                                gboolean      can_measure)
{
  g_return_if_fail (DL_IS_SPEC_EDITOR (self));

  if (self->can_measure == can_measure)
    return;
  self->can_measure = can_measure;
  /* a finished estimate stays; one that was interrupted or never made is made now */
  if (!can_measure || !isfinite (self->epoch_seconds))
    schedule_measurement (self);
}

gboolean
dl_spec_editor_get_valid (DlSpecEditor *self)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), FALSE);
  return self->valid;
}

size_t
dl_spec_editor_get_n_params (DlSpecEditor *self)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), 0);
  return self->n_params;
}

double
dl_spec_editor_get_flops (DlSpecEditor *self)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), 0);
  return self->flops;
}

const char *
dl_spec_editor_get_error (DlSpecEditor *self,
                          int          *start,
                          int          *end)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), NULL);

  if (start != NULL)
    *start = self->error_start;
  if (end != NULL)
    *end = self->error_end;
  return self->error;
}

double
dl_spec_editor_get_epoch_seconds (DlSpecEditor *self)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), NAN);
  return self->epoch_seconds;
}

gboolean
dl_spec_editor_is_measuring (DlSpecEditor *self)
{
  g_return_val_if_fail (DL_IS_SPEC_EDITOR (self), FALSE);
  return self->measure_source != 0 || self->cancellable != NULL;
}
