/* dl-runs-page.c: the run store as a list of DlRunItem, the selection overlaid and compared */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-runs-page.h"

#include <glib/gi18n.h>
#include <math.h>

#include "dl-chart.h"
#include "dl-page.h"
#include "dl-session.h"
#include "dl-window.h"
#include "nn-spec.h"

/* ---- one run -------------------------------------------------------------------------- */

struct _DlRunItem
{
  GObject  parent_instance;

  NnRun   *run;
  char    *title;
  char    *details;
  char    *results;
  char    *status;
  char    *icon_name;
};

G_DEFINE_FINAL_TYPE (DlRunItem, dl_run_item, G_TYPE_OBJECT)

enum
{
  ITEM_PROP_0,
  ITEM_PROP_TITLE,
  ITEM_PROP_DETAILS,
  ITEM_PROP_RESULTS,
  ITEM_PROP_STATUS,
  ITEM_PROP_ICON_NAME,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

/* A preset's name for its spec, else the spec itself, shortened. */
static char *
short_architecture (const char *spec)
{
  const char *const *presets = nn_spec_preset_names ();

  if (spec == NULL)
    return g_strdup ("");
  for (size_t i = 0; presets != NULL && presets[i] != NULL; i++)
    if (g_strcmp0 (nn_spec_preset_lookup (presets[i]), spec) == 0)
      return g_strdup (presets[i]);
  if (g_utf8_strlen (spec, -1) <= 24)
    return g_strdup (spec);
  {
    g_autofree char *head = g_utf8_substring (spec, 0, 23);

    return g_strconcat (head, "…", NULL);
  }
}

static char *
format_percent (double value)
{
  return isfinite (value) ? g_strdup_printf ("%.2f%%", 100 * value) : g_strdup ("—");
}

static char *
format_duration (double seconds)
{
  int s = isfinite (seconds) && seconds > 0 ? (int) (seconds + 0.5) : 0;

  if (s < 60)
    /* Translators: a duration in seconds */
    return g_strdup_printf (_("%d s"), s);
  if (s < 3600)
    /* Translators: a duration in minutes and seconds */
    return g_strdup_printf (_("%d min %d s"), s / 60, s % 60);
  /* Translators: a duration in hours and minutes */
  return g_strdup_printf (_("%d h %d min"), s / 3600, s % 3600 / 60);
}

static char *
format_started (const NnRun *run)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (run->started);

  /* Translators: when a run started, a g_date_time_format () format */
  return when != NULL ? g_date_time_format (when, _("%b %e %Y, %H:%M:%S")) : g_strdup ("");
}

static const char *
status_text (NnRunStatus status)
{
  switch (status)
    {
    case NN_RUN_STATUS_RUNNING:     return _("Running");
    case NN_RUN_STATUS_FINISHED:    return _("Finished");
    case NN_RUN_STATUS_STOPPED:     return _("Stopped");
    case NN_RUN_STATUS_INTERRUPTED: return _("Interrupted");
    case NN_RUN_STATUS_FAILED:      return _("Failed");
    case NN_RUN_STATUS_DAMAGED:     return _("Damaged");
    default:                        return "";
    }
}

static const char *
status_icon (NnRunStatus status)
{
  switch (status)
    {
    case NN_RUN_STATUS_RUNNING:     return "media-playback-start-symbolic";
    case NN_RUN_STATUS_FINISHED:    return "emblem-ok-symbolic";
    case NN_RUN_STATUS_STOPPED:     return "media-playback-stop-symbolic";
    case NN_RUN_STATUS_INTERRUPTED: return "media-playback-pause-symbolic";
    case NN_RUN_STATUS_FAILED:      return "dialog-error-symbolic";
    default:                        return "dialog-warning-symbolic";
    }
}

static char *
run_title (const NnRun *run)
{
  return run->name != NULL && run->name[0] != '\0' ? g_strdup (run->name) : format_started (run);
}

static DlRunItem *
dl_run_item_new (NnRun *run)
{
  DlRunItem *self = g_object_new (DL_TYPE_RUN_ITEM, NULL);

  self->run = run;
  self->title = run_title (run);
  self->status = g_strdup (status_text (run->status));
  self->icon_name = g_strdup (status_icon (run->status));
  if (run->status == NN_RUN_STATUS_DAMAGED)
    {
      self->details = g_strdup (run->id);
      self->results = g_strdup (run->problem != NULL ? run->problem : "");
      return self;
    }
  {
    g_autofree char *arch = short_architecture (run->recipe.spec);
    g_autofree char *started = run->name[0] != '\0' ? format_started (run) : NULL;
    g_autofree char *lr = g_strdup_printf ("%g", run->recipe.optimizer.learning_rate);
    g_autofree char *val = format_percent (run->best_val_accuracy);
    g_autofree char *test = format_percent (run->best_test_accuracy);
    g_autofree char *duration = format_duration (run->duration);
    /* Translators: a run's recipe: architecture, epochs done of planned, batch size, learning
     * rate, rotation in degrees */
    g_autofree char *recipe = g_strdup_printf (_("%s · %u of %u epochs · batch %u · lr %s · "
                                                 "rotation %g°"), arch, run->n_epochs,
                                               run->recipe.epochs, run->recipe.batch_size, lr,
                                               run->recipe.rotation_degrees);

    self->details = started != NULL ? g_strconcat (started, " · ", recipe, NULL)
                                    : g_steal_pointer (&recipe);
    if (run->recipe.extras.train_on_all)
      /* Translators: a run trained on its validation images too: its test accuracy, how long
       * it took */
      self->results = g_strdup_printf (_("Trained on all images, no held-out validation · Test "
                                         "%s · %s"), test, duration);
    else
      /* Translators: a run's best validation accuracy, its test accuracy, how long it took */
      self->results = g_strdup_printf (_("Validation %s · Test %s · %s"), val, test, duration);
  }
  return self;
}

const NnRun *
dl_run_item_get_run (DlRunItem *self)
{
  g_return_val_if_fail (DL_IS_RUN_ITEM (self), NULL);
  return self->run;
}

static void
dl_run_item_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DlRunItem *self = DL_RUN_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_TITLE:     g_value_set_string (value, self->title); break;
    case ITEM_PROP_DETAILS:   g_value_set_string (value, self->details); break;
    case ITEM_PROP_RESULTS:   g_value_set_string (value, self->results); break;
    case ITEM_PROP_STATUS:    g_value_set_string (value, self->status); break;
    case ITEM_PROP_ICON_NAME: g_value_set_string (value, self->icon_name); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dl_run_item_finalize (GObject *object)
{
  DlRunItem *self = DL_RUN_ITEM (object);

  nn_run_free (self->run);
  g_free (self->title);
  g_free (self->details);
  g_free (self->results);
  g_free (self->status);
  g_free (self->icon_name);
  G_OBJECT_CLASS (dl_run_item_parent_class)->finalize (object);
}

static void
dl_run_item_class_init (DlRunItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->get_property = dl_run_item_get_property;
  object_class->finalize = dl_run_item_finalize;
  item_properties[ITEM_PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, ro);
  item_properties[ITEM_PROP_DETAILS] = g_param_spec_string ("details", NULL, NULL, NULL, ro);
  item_properties[ITEM_PROP_RESULTS] = g_param_spec_string ("results", NULL, NULL, NULL, ro);
  item_properties[ITEM_PROP_STATUS] = g_param_spec_string ("status", NULL, NULL, NULL, ro);
  item_properties[ITEM_PROP_ICON_NAME] = g_param_spec_string ("icon-name", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
dl_run_item_init (DlRunItem *self)
{
}

/* ---- the page ------------------------------------------------------------------------- */

struct _DlRunsPage
{
  AdwBin             parent_instance;

  DlSession         *session;

  GtkStack          *stack;
  GtkListView       *list_view;
  GtkBox            *compare_box;
  GtkBox            *compare_content;
  GtkGrid           *compare_grid;
  GtkLabel          *usage_label;
  DlChart           *chart;         /* the compared runs' accuracies, in the table's order */
  guint              val_bars, test_bars;

  GListStore        *runs;          /* DlRunItem, newest first */
  GtkMultiSelection *selection;
  GPtrArray         *differs;       /* names of the compared rows whose values differ */
  guint              n_compared;
  AdwToast          *undo_toast;    /* a reference while shown */
  char             **trashed;       /* the ids the undo toast would restore */
  gboolean           reloading;
  gboolean           listed;        /* the store was listed once: the selection is the user's */
  gboolean           reload_due;    /* the store changed while the page was not on screen */
  GSettings         *settings;      /* compared-runs: the selection, kept for the next start */
  GCancellable      *cancellable;   /* of the models being read */
  guint              n_reading;
};

static void dl_runs_page_page_iface_init (DlPageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DlRunsPage, dl_runs_page, ADW_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (DL_TYPE_PAGE, dl_runs_page_page_iface_init))

enum
{
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static NnRunStore *
get_store (DlRunsPage  *self,
           GError     **error)
{
  if (self->session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no session");
      return NULL;
    }
  return dl_training_get_run_store (dl_session_get_training (self->session), error);
}

static void
show_toast (DlRunsPage *self,
            const char *text)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text);
}

/* The selected runs, newest first (borrowed items). */
static GPtrArray *
selected_items (DlRunsPage *self)
{
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));

  for (guint i = 0; i < n; i++)
    if (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (self->selection), i))
      g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->runs), i));
  return items;
}

static const NnRun *
single_run (DlRunsPage *self)
{
  g_autoptr(GPtrArray) items = selected_items (self);

  return items->len == 1 ? dl_run_item_get_run (items->pdata[0]) : NULL;
}

static void
update_actions (DlRunsPage *self)
{
  g_autoptr(GPtrArray) items = selected_items (self);
  const NnRun *one = items->len == 1 ? dl_run_item_get_run (items->pdata[0]) : NULL;
  gboolean running = self->session != NULL &&
                     dl_training_get_running (dl_session_get_training (self->session));
  gboolean any_removable = FALSE;
  g_autofree char *model_dir = one != NULL ? nn_run_dup_model_dir (one) : NULL;

  for (guint i = 0; i < items->len; i++)
    if (dl_run_item_get_run (items->pdata[i])->status != NN_RUN_STATUS_RUNNING)
      any_removable = TRUE;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.use-model",
                                 model_dir != NULL && self->n_reading == 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.resume",
                                 one != NULL && !running && nn_run_can_resume (one));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.rename",
                                 one != NULL && one->status != NN_RUN_STATUS_RUNNING &&
                                 one->status != NN_RUN_STATUS_DAMAGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.show-in-files", one != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export-csv",
                                 one != NULL && one->status != NN_RUN_STATUS_DAMAGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.export-json",
                                 one != NULL && one->status != NN_RUN_STATUS_DAMAGED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.delete", any_removable);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "runs.remove-old",
                                 g_list_model_get_n_items (G_LIST_MODEL (self->runs)) > 0);
}

/* ---- the comparison table -------------------------------------------------------------- */

static void
add_cell (DlRunsPage *self,
          const char *text,
          int         column,
          int         row,
          gboolean    header,
          gboolean    differs)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), !header);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
  if (header)
    gtk_widget_add_css_class (label, "heading");
  else if (column == 0)
    gtk_widget_add_css_class (label, "dim-label");
  if (differs && column > 0)
    gtk_widget_add_css_class (label, "run-differs");
  gtk_grid_attach (self->compare_grid, label, column, row, 1, 1);
}

static void
rebuild_table (DlRunsPage *self,
               GPtrArray  *items)
{
  GtkWidget *child;
  /* the rows: a name, and each run's text for it */
  static const char *row_names[] = {
    N_("Started"), N_("Status"), N_("Architecture"), N_("Epochs"), N_("Batch size"),
    N_("Optimizer"), N_("Learning rate"), N_("Rotation"), N_("Validation images"), N_("Seed"),
    N_("Dataset"), N_("Best validation"), N_("Test"), N_("Best epoch"), N_("Duration"),
  };

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->compare_grid))) != NULL)
    gtk_grid_remove (self->compare_grid, child);
  g_ptr_array_set_size (self->differs, 0);
  self->n_compared = items->len;
  gtk_widget_set_visible (GTK_WIDGET (self->compare_box), items->len >= 2);
  dl_chart_clear (self->chart);
  if (items->len < 2)
    return;

  for (guint c = 0; c < items->len; c++)
    {
      const NnRun *run = dl_run_item_get_run (items->pdata[c]);

      if (isfinite (run->best_val_accuracy))
        dl_chart_append (self->chart, self->val_bars, c + 1, run->best_val_accuracy);
      if (isfinite (run->best_test_accuracy))
        dl_chart_append (self->chart, self->test_bars, c + 1, run->best_test_accuracy);
    }
  dl_chart_set_x_range (self->chart, 0.5, items->len + 0.5);
  {
    g_autoptr(GString) summary = g_string_new (NULL);

    for (guint c = 0; c < items->len; c++)
      {
        const NnRun *run = dl_run_item_get_run (items->pdata[c]);
        g_autofree char *val = format_percent (run->best_val_accuracy);
        g_autofree char *test = format_percent (run->best_test_accuracy);

        if (c > 0)
          g_string_append (summary, "; ");
        /* Translators: one compared run for screen readers: its column, best validation and
         * test accuracy */
        g_string_append_printf (summary, _("run %u: validation %s, test %s"), c + 1, val, test);
      }
    dl_chart_set_summary (self->chart, summary->str);
  }
  add_cell (self, "", 0, 0, TRUE, FALSE);
  for (guint c = 0; c < items->len; c++)
    {
      g_autofree char *title = run_title (dl_run_item_get_run (items->pdata[c]));

      add_cell (self, title, c + 1, 0, TRUE, FALSE);
    }
  for (guint r = 0; r < G_N_ELEMENTS (row_names); r++)
    {
      g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
      gboolean differs = FALSE;

      for (guint c = 0; c < items->len; c++)
        {
          const NnRun *run = dl_run_item_get_run (items->pdata[c]);
          char *text;

          switch (run->status == NN_RUN_STATUS_DAMAGED && r > 1 ? G_MAXUINT : r)
            {
            case 0: text = format_started (run); break;
            case 1: text = g_strdup (status_text (run->status)); break;
            case 2: text = short_architecture (run->recipe.spec); break;
            case 3: text = g_strdup_printf ("%u / %u", run->n_epochs, run->recipe.epochs); break;
            case 4: text = g_strdup_printf ("%u", run->recipe.batch_size); break;
            case 5: text = g_strdup (nn_optimizer_kind_to_string (run->recipe.optimizer.kind));
              break;
            case 6: text = g_strdup_printf ("%g", run->recipe.optimizer.learning_rate); break;
            case 7: text = g_strdup_printf ("%g°", run->recipe.rotation_degrees); break;
            case 8:
              text = run->recipe.extras.train_on_all
                       /* Translators: the validation images of a run that trained on them */
                       ? g_strdup_printf (_("%u, trained on"), run->recipe.validation_size)
                       : g_strdup_printf ("%u", run->recipe.validation_size);
              break;
            case 9: text = g_strdup_printf ("%" G_GUINT64_FORMAT, run->recipe.seed); break;
            case 10: text = g_strdup (run->dataset_name != NULL ? run->dataset_name : ""); break;
            case 11: text = format_percent (run->best_val_accuracy); break;
            case 12: text = format_percent (run->best_test_accuracy); break;
            case 13: text = g_strdup_printf ("%u", run->best_epoch); break;
            case 14: text = format_duration (run->duration); break;
            default: text = g_strdup ("—"); break;
            }
          if (c > 0 && g_strcmp0 (text, texts->pdata[0]) != 0)
            differs = TRUE;
          g_ptr_array_add (texts, text);
        }
      /* the start time always differs: marking it would say nothing */
      differs = differs && r != 0;
      if (differs)
        {
          /* Translators: marks a row of the comparison whose values differ between runs */
          g_autofree char *name = g_strdup_printf (_("%s (differs)"), _(row_names[r]));

          add_cell (self, name, 0, r + 1, FALSE, TRUE);
          g_ptr_array_add (self->differs, g_strdup (row_names[r]));
        }
      else
        add_cell (self, _(row_names[r]), 0, r + 1, FALSE, FALSE);
      for (guint c = 0; c < items->len; c++)
        add_cell (self, texts->pdata[c], c + 1, r + 1, FALSE, differs);
    }
}

/* The selection is compared here and, when push, overlaid on the Train page. */
static void
show_selection (DlRunsPage *self,
                gboolean    push)
{
  g_autoptr(GPtrArray) items = selected_items (self);
  GPtrArray *runs;
  NnRunStore *store;

  update_actions (self);
  rebuild_table (self, items);
  if (self->session == NULL || !push)
    return;
  store = get_store (self, NULL);
  runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_free);
  /* oldest first, so colours keep to runs as more are added */
  for (guint i = items->len; store != NULL && i-- > 0;)
    {
      const NnRun *run = dl_run_item_get_run (items->pdata[i]);
      NnRun *copy;

      if (run->status == NN_RUN_STATUS_DAMAGED)
        continue;
      copy = nn_run_store_load (store, run->id, NULL);
      if (copy != NULL)
        g_ptr_array_add (runs, copy);
    }
  dl_session_set_compared_runs (self->session, runs);
}

/* The selected runs' ids go to the compared-runs setting. */
static void
save_selection (DlRunsPage *self)
{
  g_autoptr(GPtrArray) items = selected_items (self);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;
  g_auto(GStrv) before = NULL;

  for (guint i = items->len; i-- > 0;)
    g_strv_builder_add (ids, dl_run_item_get_run (items->pdata[i])->id);
  strv = g_strv_builder_end (ids);
  before = g_settings_get_strv (self->settings, "compared-runs");
  if (!g_strv_equal ((const char *const *) strv, (const char *const *) before))
    g_settings_set_strv (self->settings, "compared-runs", (const char *const *) strv);
}

static void
on_selection_changed (DlRunsPage *self)
{
  if (self->reloading)
    return;
  show_selection (self, TRUE);
  save_selection (self);
}

/* ---- listing --------------------------------------------------------------------------- */

void
dl_runs_page_reload (DlRunsPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GHashTable) selected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GPtrArray) before = NULL;
  NnRunStore *store;
  guint64 trash = 0, total;
  g_autofree char *size = NULL;
  g_autofree char *usage = NULL;
  gboolean push = FALSE;
  guint n_kept = 0;

  g_return_if_fail (DL_IS_RUNS_PAGE (self));

  self->reload_due = FALSE;
  store = get_store (self, &error);
  if (store == NULL || (runs = nn_run_store_list (store, &error)) == NULL)
    {
      /* Translators: the run store's folder could not be read; the reason follows */
      g_autofree char *text = g_strdup_printf (_("The runs cannot be listed: %s"),
                                               error->message);

      gtk_label_set_text (self->usage_label, text);
      return;
    }
  before = selected_items (self);
  for (guint i = 0; i < before->len; i++)
    g_hash_table_add (selected, g_strdup (dl_run_item_get_run (before->pdata[i])->id));
  if (!self->listed)
    {
      /* the runs compared when the app last ran */
      g_auto(GStrv) kept = g_settings_get_strv (self->settings, "compared-runs");

      for (guint i = 0; kept[i] != NULL; i++)
        g_hash_table_add (selected, g_strdup (kept[i]));
      self->listed = TRUE;
    }

  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = runs->len; i-- > 0;)
    g_ptr_array_add (items, dl_run_item_new (g_ptr_array_steal_index (runs, i)));
  self->reloading = TRUE;
  g_list_store_splice (self->runs, 0, g_list_model_get_n_items (G_LIST_MODEL (self->runs)),
                       items->pdata, items->len);
  for (guint i = 0; i < items->len; i++)
    if (g_hash_table_contains (selected, dl_run_item_get_run (items->pdata[i])->id))
      {
        gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), i, FALSE);
        n_kept++;
        /* a selected run that was running has new epochs to draw */
        push = push || dl_run_item_get_run (items->pdata[i])->status == NN_RUN_STATUS_RUNNING;
      }
  self->reloading = FALSE;
  for (guint i = 0; i < before->len && !push; i++)
    push = dl_run_item_get_run (before->pdata[i])->status == NN_RUN_STATUS_RUNNING;
  push = push || n_kept != before->len;
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "runs" : "empty");

  total = nn_run_store_get_disk_usage (store, &trash);
  size = g_format_size (total);
  /* Translators: how many runs, and the disk space they take */
  usage = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run, %s on disk",
                                        "%u runs, %s on disk", items->len),
                           items->len, size);
  gtk_label_set_text (self->usage_label, usage);
  /* the table follows the runs as read again; the overlay only a changed selection, so that a
   * run just trained keeps the Train charts */
  show_selection (self, push);
}

const char *
dl_runs_page_get_usage_text (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return gtk_label_get_text (self->usage_label);
}

GtkSelectionModel *
dl_runs_page_get_selection (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return GTK_SELECTION_MODEL (self->selection);
}

guint
dl_runs_page_get_n_compared (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), 0);
  return self->n_compared;
}

gboolean
dl_runs_page_row_differs (DlRunsPage *self,
                          const char *row_name)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), FALSE);
  for (guint i = 0; i < self->differs->len; i++)
    if (g_strcmp0 (self->differs->pdata[i], row_name) == 0)
      return TRUE;
  return FALSE;
}

AdwToast *
dl_runs_page_get_undo_toast (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), NULL);
  return self->undo_toast;
}

static void
runs_changed (DlRunsPage *self)
{
  if (self->session != NULL)
    dl_session_notify_runs_changed (self->session);
  else
    dl_runs_page_reload (self);
}

/* ---- actions --------------------------------------------------------------------------- */

typedef struct
{
  char    *dir;
  char    *description;
  NnModel *model;
} UseModelJob;

static void
use_model_job_free (UseModelJob *job)
{
  g_free (job->dir);
  g_free (job->description);
  g_clear_pointer (&job->model, nn_model_unref);
  g_free (job);
}

static void
use_model_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  UseModelJob *job = task_data;
  GError *error = NULL;

  job->model = nn_model_load (job->dir, 1, &error);
  if (job->model != NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_model_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  DlRunsPage *self = DL_RUNS_PAGE (source);
  UseModelJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->n_reading--;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* the page is going */
      /* Translators: the engine's reason follows */
      text = g_strdup_printf (_("The run’s model cannot be used: %s"), error->message);
      show_toast (self, text);
    }
  else if (self->session != NULL)
    {
      dl_session_set_model_from_path (self->session, job->model, job->description, job->dir);
      show_toast (self, _("The other pages now use this run’s model"));
    }
  update_actions (self);
}

/* The run's best model is read on a worker (a large architecture's weights take a while); the
 * other pages use it once it is read. */
static void
use_model_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const NnRun *run = single_run (self);
  g_autofree char *dir = run != NULL ? nn_run_dup_model_dir (run) : NULL;
  g_autofree char *title = NULL;
  g_autoptr(GTask) task = NULL;
  UseModelJob *job;

  if (dir == NULL || self->session == NULL)
    return;
  title = run_title (run);
  job = g_new0 (UseModelJob, 1);
  job->dir = g_steal_pointer (&dir);
  /* Translators: where the model in use came from; a run's name or start time */
  job->description = g_strdup_printf (_("Run %s"), title);
  task = g_task_new (self, self->cancellable, on_model_read, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) use_model_job_free);
  self->n_reading++;
  update_actions (self);
  g_task_run_in_thread (task, use_model_thread);
}

gboolean
dl_runs_page_get_reading_model (DlRunsPage *self)
{
  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), FALSE);
  return self->n_reading > 0;
}

static void
resume_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const NnRun *run = single_run (self);
  g_autoptr(GError) error = NULL;
  NnDataset *dataset;

  if (run == NULL || self->session == NULL)
    return;
  dataset = dl_session_get_dataset (self->session);
  if (dataset == NULL)
    {
      show_toast (self, _("Open the run’s dataset to resume it"));
      return;
    }
  if (!dl_training_resume_run (dl_session_get_training (self->session), run->id, dataset,
                               &error))
    {
      /* Translators: the engine's reason follows */
      g_autofree char *text = g_strdup_printf (_("The run cannot be resumed: %s"),
                                               error->message);

      show_toast (self, text);
      return;
    }
  gtk_widget_activate_action (widget, "win.show-page", "s", "train");
}

static void
on_rename_response (AdwMessageDialog *dialog,
                    const char       *response,
                    DlRunsPage       *self)
{
  GtkEditable *entry = GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog));
  const char *id = g_object_get_data (G_OBJECT (dialog), "run-id");
  g_autoptr(GError) error = NULL;
  NnRunStore *store;

  if (g_strcmp0 (response, "rename") != 0 || (store = get_store (self, &error)) == NULL)
    return;
  if (!nn_run_store_rename (store, id, gtk_editable_get_text (entry), &error))
    {
      /* Translators: the engine's reason follows */
      g_autofree char *text = g_strdup_printf (_("The run cannot be renamed: %s"),
                                               error->message);

      show_toast (self, text);
      return;
    }
  runs_changed (self);
}

static void
rename_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const NnRun *run = single_run (self);
  GtkWidget *dialog, *entry;

  if (run == NULL)
    return;
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)), _("Rename Run"),
                                   NULL);
  entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (entry), run->name);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Name"), -1);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), entry);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "rename", _("_Rename"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "rename",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "rename");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "run-id", g_strdup (run->id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_rename_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Trashed runs go for good when the toast does, unless Undo brought them back. */
static void
on_undo_dismissed (AdwToast   *toast,
                   DlRunsPage *self)
{
  NnRunStore *store = get_store (self, NULL);

  if (toast != self->undo_toast)
    return;
  for (guint i = 0; store != NULL && self->trashed != NULL && self->trashed[i] != NULL; i++)
    nn_run_store_purge (store, self->trashed[i], NULL);
  g_clear_pointer (&self->trashed, g_strfreev);
  g_clear_object (&self->undo_toast);
  if (self->session != NULL)
    runs_changed (self);
}

/* The window that shows the page's toasts, or NULL */
static DlWindow *
get_window (DlRunsPage *self)
{
  return (DlWindow *) gtk_widget_get_ancestor (GTK_WIDGET (self), DL_TYPE_WINDOW);
}

static void
on_undo_clicked (AdwToast   *toast,
                 DlRunsPage *self)
{
  NnRunStore *store = get_store (self, NULL);
  DlWindow *window = get_window (self);

  if (toast != self->undo_toast)
    return;
  for (guint i = 0; store != NULL && self->trashed != NULL && self->trashed[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!nn_run_store_restore (store, self->trashed[i], &error))
        g_warning ("run %s not restored: %s", self->trashed[i], error->message);
    }
  g_clear_pointer (&self->trashed, g_strfreev);
  /* done: it goes, even if it has yet to be shown (nothing is left to purge) */
  if (window != NULL)
    dl_window_dismiss_toast (window, toast);
  runs_changed (self);
}

/* Shows the toast that can bring the trashed runs back; an earlier one's runs go for good. */
static void
offer_undo (DlRunsPage  *self,
            GPtrArray   *ids,
            const char  *text)
{
  DlWindow *window = get_window (self);
  AdwToast *toast;

  if (self->undo_toast != NULL)
    {
      g_autoptr(AdwToast) old = g_object_ref (self->undo_toast);

      on_undo_dismissed (old, self);
      if (window != NULL)
        dl_window_dismiss_toast (window, old);
    }
  g_ptr_array_add (ids, NULL);
  self->trashed = (char **) g_ptr_array_steal (ids, NULL);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  self->undo_toast = g_object_ref (toast);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (on_undo_clicked), self, 0);
  g_signal_connect_object (toast, "dismissed", G_CALLBACK (on_undo_dismissed), self, 0);
  if (window != NULL)
    dl_window_add_toast (window, toast);
  else
    g_object_unref (toast);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  g_autoptr(GPtrArray) items = selected_items (self);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  NnRunStore *store = get_store (self, &error);

  for (guint i = 0; store != NULL && i < items->len; i++)
    {
      const NnRun *run = dl_run_item_get_run (items->pdata[i]);

      if (run->status == NN_RUN_STATUS_RUNNING)
        continue;
      if (!nn_run_store_trash (store, run->id, &error))
        break;
      g_ptr_array_add (ids, g_strdup (run->id));
    }
  if (error != NULL)
    {
      /* Translators: the engine's reason follows */
      g_autofree char *problem = g_strdup_printf (_("A run cannot be deleted: %s"),
                                                  error->message);

      show_toast (self, problem);
    }
  if (ids->len > 0)
    {
      text = ids->len == 1 ? g_strdup (_("Run deleted"))
                           /* Translators: how many runs were deleted */
                           : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run deleted",
                                                           "%u runs deleted", ids->len),
                                              ids->len);
      offer_undo (self, ids, text);
    }
  runs_changed (self);
}

static void
on_remove_old_response (AdwMessageDialog *dialog,
                        const char       *response,
                        DlRunsPage       *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  NnRunStore *store;
  int days;
  guint n = 0;

  if (g_strcmp0 (response, "week") == 0)
    days = 7;
  else if (g_strcmp0 (response, "month") == 0)
    days = 30;
  else
    return;
  if ((store = get_store (self, &error)) == NULL ||
      (before = nn_run_store_list_trash (store, &error)) == NULL)
    return;
  if (!nn_run_store_trash_before (store, (g_get_real_time () / G_USEC_PER_SEC) -
                                  (gint64) days * 24 * 3600, &n, &error))
    {
      /* Translators: the engine's reason follows */
      g_autofree char *text = g_strdup_printf (_("Old runs cannot be removed: %s"),
                                               error->message);

      show_toast (self, text);
    }
  /* what went to the trash now: those an undo brings back */
  after = nn_run_store_list_trash (store, NULL);
  for (guint i = 0; after != NULL && i < after->len; i++)
    {
      gboolean old = FALSE;

      for (guint j = 0; j < before->len && !old; j++)
        old = g_strcmp0 (after->pdata[i], before->pdata[j]) == 0;
      if (!old)
        g_ptr_array_add (ids, g_strdup (after->pdata[i]));
    }
  if (ids->len > 0)
    {
      /* Translators: how many old runs were removed */
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u run removed",
                                                            "%u runs removed", ids->len),
                                               ids->len);

      offer_undo (self, ids, text);
    }
  else
    show_toast (self, _("No run is that old"));
  runs_changed (self);
}

static void
remove_old_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                   _("Remove Old Runs?"),
                                   _("Runs that started before then are deleted, with their "
                                     "models and curves. Runs in progress are kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "month", _("Older Than a _Month"),
                                    "week", _("Older Than a _Week"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "month",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "week",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_old_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_folder_shown (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_debug ("the run's folder was not shown: %s", error->message);
}

static void
show_in_files_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const NnRun *run = single_run (self);
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;

  if (run == NULL)
    return;
  file = g_file_new_for_path (run->dir);
  uri = g_file_get_uri (file);
  g_app_info_launch_default_for_uri_async (uri, NULL, NULL, on_folder_shown, NULL);
}

gboolean
dl_runs_page_export (DlRunsPage  *self,
                     const char  *id,
                     const char  *path,
                     gboolean     json,
                     GError     **error)
{
  NnRunStore *store;
  g_autoptr(NnRun) run = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (DL_IS_RUNS_PAGE (self), FALSE);

  if ((store = get_store (self, error)) == NULL ||
      (run = nn_run_store_load (store, id, error)) == NULL)
    return FALSE;
  if (json)
    {
      g_autoptr(NnRunCurves) curves = nn_run_load_curves (run, error);

      if (curves == NULL)
        return FALSE;
      text = nn_run_to_json (run, curves);
    }
  else
    text = nn_run_epochs_to_csv (run);
  return g_file_set_contents (path, text, -1, error);
}

static void
on_export_response (GtkNativeDialog *chooser,
                    int              response,
                    DlRunsPage      *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  const char *id = g_object_get_data (G_OBJECT (chooser), "run-id");
  gboolean json = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chooser), "json"));

  if (response == GTK_RESPONSE_ACCEPT &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    {
      path = g_file_get_path (file);
      if (path == NULL)
        show_toast (self, _("Only local files can be written"));
      else if (!dl_runs_page_export (self, id, path, json, &error))
        {
          /* Translators: the reason follows */
          g_autofree char *text = g_strdup_printf (_("The run cannot be exported: %s"),
                                                   error->message);

          show_toast (self, text);
        }
      else
        show_toast (self, json ? _("Run exported as JSON") : _("Curves exported as CSV"));
    }
  g_object_unref (chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);
  const NnRun *run = single_run (self);
  gboolean json = g_str_equal (action_name, "runs.export-json");
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  if (run == NULL)
    return;
  chooser = gtk_file_chooser_native_new (json ? _("Export Run as JSON")
                                              : _("Export Curves as CSV"),
                                         GTK_WINDOW (gtk_widget_get_root (widget)),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  name = g_strdup_printf ("%s.%s", run->id, json ? "json" : "csv");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_object_set_data_full (G_OBJECT (chooser), "run-id", g_strdup (run->id), g_free);
  g_object_set_data (G_OBJECT (chooser), "json", GINT_TO_POINTER (json));
  g_signal_connect (chooser, "response", G_CALLBACK (on_export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ---- DlPage and GObject ----------------------------------------------------------------- */

static void
on_running_changed (DlRunsPage *self)
{
  update_actions (self);
}

/* The run in progress recorded an epoch. Listing the store reads every run's record and the
 * folders' sizes, which grow with the store: on screen it is listed again at once, else when the
 * page next shows, so that a run trained on another page costs the window nothing here at each
 * epoch. (A run that begins, ends or fails, and the user's own changes, list it at once.) */
static void
on_run_epoch_recorded (DlRunsPage *self)
{
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    dl_runs_page_reload (self);
  else
    self->reload_due = TRUE;
}

static void
dl_runs_page_map (GtkWidget *widget)
{
  DlRunsPage *self = DL_RUNS_PAGE (widget);

  GTK_WIDGET_CLASS (dl_runs_page_parent_class)->map (widget);
  if (self->reload_due)
    dl_runs_page_reload (self);
}

static void
dl_runs_page_follow_session (DlRunsPage *self,
                             DlSession  *old_session)
{
  DlSession *session = self->session;

  if (old_session != NULL)
    {
      g_signal_handlers_disconnect_by_data (old_session, self);
      g_signal_handlers_disconnect_by_data (dl_session_get_training (old_session), self);
    }
  if (session == NULL)
    return;
  g_signal_connect_swapped (session, "runs-changed", G_CALLBACK (dl_runs_page_reload), self);
  g_signal_connect_swapped (session, "run-epoch-recorded", G_CALLBACK (on_run_epoch_recorded),
                            self);
  g_signal_connect_swapped (dl_session_get_training (session), "notify::running",
                            G_CALLBACK (on_running_changed), self);
  dl_runs_page_reload (self);
}

static void
dl_runs_page_dispose (GObject *object)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  /* a pending delete is final once nobody can undo it */
  if (self->undo_toast != NULL)
    {
      NnRunStore *store = get_store (self, NULL);

      g_signal_handlers_disconnect_by_data (self->undo_toast, self);
      for (guint i = 0; store != NULL && self->trashed != NULL && self->trashed[i] != NULL; i++)
        nn_run_store_purge (store, self->trashed[i], NULL);
      g_clear_pointer (&self->trashed, g_strfreev);
      g_clear_object (&self->undo_toast);
    }
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  dl_page_set_session (DL_PAGE (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DL_TYPE_RUNS_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->runs);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (dl_runs_page_parent_class)->dispose (object);
}

static void
dl_runs_page_finalize (GObject *object)
{
  DlRunsPage *self = DL_RUNS_PAGE (object);

  g_ptr_array_unref (self->differs);
  g_strfreev (self->trashed);
  G_OBJECT_CLASS (dl_runs_page_parent_class)->finalize (object);
}

static void
dl_runs_page_list_figures (DlPage    *page,
                           GPtrArray *figures)
{
  DlPageFigure *item;

  /* Translators: a figure's name, for Export Figure */
  item = dl_page_add_figure (figures, "runs-accuracy", _("Compared runs’ accuracy"),
                             DL_RUNS_PAGE (page)->chart);
  if (!dl_figure_has_data (item->figure))
    dl_page_figure_set_unavailable (item, _("No runs are selected: select the runs to "
                                            "compare first."));
}

static void
dl_runs_page_page_iface_init (DlPageInterface *iface)
{
  iface->name = "runs";
  iface->title = N_("Ru_ns");
  iface->icon_name = "document-open-recent-symbolic";
  iface->list_figures = dl_runs_page_list_figures;
}

static void
dl_runs_page_class_init (DlRunsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dl_runs_page_dispose;
  object_class->finalize = dl_runs_page_finalize;
  widget_class->map = dl_runs_page_map;
  dl_page_class_install_session (object_class, PROP_SESSION,
                                 G_STRUCT_OFFSET (DlRunsPage, session),
                                 (DlPageFollowFunc) dl_runs_page_follow_session);

  g_type_ensure (DL_TYPE_RUN_ITEM);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitlab/DigitLab/dl-runs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, compare_box);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, compare_grid);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, compare_content);
  gtk_widget_class_bind_template_child (widget_class, DlRunsPage, usage_label);

  gtk_widget_class_install_action (widget_class, "runs.use-model", NULL, use_model_action);
  gtk_widget_class_install_action (widget_class, "runs.resume", NULL, resume_action);
  gtk_widget_class_install_action (widget_class, "runs.rename", NULL, rename_action);
  gtk_widget_class_install_action (widget_class, "runs.delete", NULL, delete_action);
  gtk_widget_class_install_action (widget_class, "runs.show-in-files", NULL,
                                   show_in_files_action);
  gtk_widget_class_install_action (widget_class, "runs.export-csv", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "runs.export-json", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "runs.remove-old", NULL, remove_old_action);
}

static void
dl_runs_page_init (DlRunsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->differs = g_ptr_array_new_with_free_func (g_free);
  self->settings = g_settings_new (APP_ID);
  self->cancellable = g_cancellable_new ();
  self->runs = g_list_store_new (DL_TYPE_RUN_ITEM);
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (g_object_ref (self->runs)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  /* Translators: the x axis of the compared runs' chart: their columns in the table */
  self->chart = DL_CHART (dl_chart_new (_("run, as in the table"), _("accuracy")));
  self->val_bars = dl_chart_add_series (self->chart, _("best validation"), "green",
                                        DL_CHART_BARS);
  self->test_bars = dl_chart_add_series (self->chart, _("test"), "purple", DL_CHART_BARS);
  dl_chart_set_y_percent (self->chart, TRUE);
  dl_chart_set_y_range (self->chart, 0, 1);
  dl_chart_set_x_step (self->chart, 1);
  dl_chart_set_placeholder (self->chart, _("Select two runs or more to compare them"));
  gtk_widget_set_size_request (GTK_WIDGET (self->chart), -1, 150);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Compared runs’ accuracy"), -1);
  gtk_box_prepend (self->compare_content, GTK_WIDGET (self->chart));
  g_signal_connect_swapped (self->selection, "selection-changed",
                            G_CALLBACK (on_selection_changed), self);
  update_actions (self);
}
