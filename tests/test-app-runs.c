/* test-app-runs.c: every app run is recorded, the model survives a restart, runs are compared */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "app-helpers.h"
#include "dl-chart.h"
#include "dl-runs-page.h"
#include "dl-session.h"
#include "dl-train-page.h"
#include "dl-training.h"
#include "nn-network.h"
#include "nn-rng.h"
#include "nn-run-store.h"

static char *runs_dir;

/* A small learnable dataset: a bar in one of ten places, 28×28, with noise. */
static NnDataset *
bars_dataset (size_t n_train,
              size_t n_test)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("bars");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 10;
  ds->class_names = g_strsplit ("0 1 2 3 4 5 6 7 8 9", " ", -1);
  ds->train = nn_image_set_new (n_train, 28, 28);
  ds->test = nn_image_set_new (n_test, 28, 28);
  nn_rng_init (&rng, 5);
  for (int s = 0; s < 2; s++)
    {
      NnImageSet *set = s == 0 ? ds->train : ds->test;

      for (size_t i = 0; i < set->n_images; i++)
        {
          guint8 *img = set->pixels + i * 784;
          guint8 label = (guint8) nn_rng_below (&rng, 10);

          /* a faint bar, and one label in ten wrong: accuracies stay below 100% */
          set->labels[i] = nn_rng_below (&rng, 10) == 0 ? (guint8) nn_rng_below (&rng, 10) : label;
          for (int p = 0; p < 784; p++)
            img[p] = (guint8) nn_rng_below (&rng, 30);
          for (int t = 4; t < 24; t++)
            img[t * 28 + 2 + 2 * label] = 34;
        }
    }
  return ds;
}

static void
on_finished (DlTraining *training,
             gboolean    stopped,
             gboolean   *done)
{
  *done = TRUE;
}

static void
wait_for (gboolean *flag,
          double    seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (*flag);
}

/* Trains epochs on the window's dataset with learning rate lr; returns the run's id. */
static char *
train (DlWindow *window,
       guint     epochs,
       double    lr)
{
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  gboolean done = FALSE;

  g_settings_set_uint (settings, "epochs", epochs);
  g_settings_set_uint (settings, "validation-size", 200);
  g_settings_set_double (settings, "learning-rate", lr);
  g_settings_set_string (settings, "architecture", "reference");
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  wait_for (&done, 120);
  spin ();
  g_signal_handlers_disconnect_by_data (training, &done);
  g_assert_nonnull (dl_training_get_run_id (training));
  return g_strdup (dl_training_get_run_id (training));
}

/* Waits until the window has read the remembered model (a worker reads it). */
static void
wait_for_model (DlWindow   *window,
                const char *description)
{
  DlSession *session = dl_window_get_session (window);
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_strcmp0 (dl_session_get_model_description (session), description) != 0 &&
         g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpstr (dl_session_get_model_description (session), ==, description);
}

static float *
dup_weights (NnModel *model,
             size_t  *n)
{
  *n = nn_network_get_n_params (model->net);
  return g_memdup2 (nn_network_get_params (model->net), *n * sizeof (float));
}

/* Train, close, start again: the model trained is the one in use, and the run is listed. */
static void
test_remembered (void)
{
  DlWindow *window = make_window ();
  g_autofree char *id = NULL;
  g_autofree char *description = NULL;
  g_autofree float *before = NULL, *after = NULL;
  size_t n_before, n_after;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GError) error = NULL;

  dl_window_set_dataset (window, bars_dataset (2000, 300));
  spin ();
  id = train (window, 2, 0.001);
  description = g_strdup (dl_session_get_model_description (dl_window_get_session (window)));
  g_assert_true (g_str_has_prefix (description, "Trained at "));
  before = dup_weights (dl_session_get_model (dl_window_get_session (window)), &n_before);
  close_window (window);

  store = nn_run_store_new (NULL, &error);
  g_assert_no_error (error);
  run = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (run->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_cmpuint (run->n_epochs, ==, 2);

  window = make_window_remembering ();
  wait_for_model (window, description);
  after = dup_weights (dl_session_get_model (dl_window_get_session (window)), &n_after);
  g_assert_cmpuint (n_before, ==, n_after);
  g_assert_cmpmem (before, n_before * sizeof (float), after, n_after * sizeof (float));
  close_window (window);
}

/* A remembered model that is gone: the built-in one, and a notice. */
static void
test_remembered_gone (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  g_autofree char *gone = g_build_filename (runs_dir, "no-such-model", NULL);
  DlWindow *window;
  gint64 end;

  g_settings_set_string (settings, "model-path", gone);
  g_settings_set_string (settings, "model-description", "Trained at 12:00");
  window = make_window_remembering ();
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_window_get_last_toast (window) == NULL && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_nonnull (dl_window_get_last_toast (window));
  g_assert_nonnull (strstr (dl_window_get_last_toast (window), "built-in model"));
  g_assert_cmpstr (dl_session_get_model_description (dl_window_get_session (window)), ==,
                   "Built-in model");
  g_assert_cmpstr (g_settings_get_string (settings, "model-path"), ==, "");
  close_window (window);
}

static void
shoot (DlWindow   *window,
       const char *page,
       const char *name,
       int         width,
       gboolean    dark)
{
  g_autofree char *file = g_strdup_printf ("%s-%d-%s.png", name, width, dark ? "dark" : "light");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_default_size (GTK_WINDOW (window), width, 720);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", page));
  for (int i = 0; i < 50; i++)
    {
      spin ();
      g_usleep (2000);
    }
  if (g_str_equal (page, "train"))
    {
      /* narrow, the charts are under the recipe: scroll down to them */
      DlTrainPage *train_page = dl_window_get_train_page (window);
      GtkWidget *scrolled = gtk_widget_get_ancestor (dl_train_page_get_figure (train_page),
                                                     GTK_TYPE_SCROLLED_WINDOW);

      if (scrolled != NULL)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

          gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
          for (int i = 0; i < 20; i++)
            {
              spin ();
              g_usleep (2000);
            }
        }
    }
  save_png (GTK_WIDGET (window), file);
}

static DlRunsPage *
runs_page (DlWindow *window)
{
  return DL_RUNS_PAGE (_dl_window_find_page (window, DL_TYPE_RUNS_PAGE));
}

static const NnRun *
listed_run (DlRunsPage *page,
            guint       position)
{
  g_autoptr(DlRunItem) item = g_list_model_get_item (G_LIST_MODEL (dl_runs_page_get_selection
                                                                   (page)), position);

  g_assert_nonnull (item);
  return dl_run_item_get_run (item);
}

/* Two runs selected: each draws its curves on both Train charts in its own colour, and the
 * table marks the setting that differs. */
static void
test_overlay (void)
{
  DlWindow *window = make_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlTrainPage *train_page = dl_window_get_train_page (window);
  DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
  DlChart *accuracy_chart = NULL;
  g_autofree char *first = NULL, *second = NULL;
  guint n_before = g_list_model_get_n_items (G_LIST_MODEL (selection));

  dl_window_set_dataset (window, bars_dataset (2000, 300));
  spin ();
  first = train (window, 2, 0.0001);
  second = train (window, 3, 0.003);
  g_assert_cmpstr (first, !=, second);
  /* both listed, newest first, as the runs ended */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n_before + 2);
  g_assert_cmpstr (listed_run (page, 0)->id, ==, second);
  g_assert_cmpstr (listed_run (page, 1)->id, ==, first);
  g_assert_cmpint (listed_run (page, 0)->status, ==, NN_RUN_STATUS_FINISHED);
  g_assert_nonnull (strstr (dl_runs_page_get_usage_text (page), "on disk"));

  gtk_selection_model_select_item (selection, 0, TRUE);
  gtk_selection_model_select_item (selection, 1, FALSE);
  spin ();
  g_assert_cmpuint (dl_session_get_compared_runs (dl_window_get_session (window))->len, ==, 2);
  {
    g_autoptr(GPtrArray) figures = dl_page_list_figures (DL_PAGE (train_page));

    g_assert_cmpuint (figures->len, >=, 2);
    accuracy_chart = DL_CHART (((DlPageFigure *) figures->pdata[1])->figure);
  }
  /* per run: training and validation loss; validation and test accuracy */
  g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 4);
  g_assert_cmpuint (dl_chart_get_n_series (accuracy_chart), ==, 4);
  for (guint s = 0; s < 4; s++)
    {
      g_assert_cmpuint (dl_chart_get_n_points (loss_chart, s), >, 0);
      g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, s), >, 0);
    }
  /* the first run (oldest) had 2 epochs, the second 3 */
  g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 1), ==, 2);
  g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 3), ==, 3);
  g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, 0), ==, 2);
  g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, 2), ==, 3);

  g_assert_cmpuint (dl_runs_page_get_n_compared (page), ==, 2);
  g_assert_true (dl_runs_page_row_differs (page, "Learning rate"));
  g_assert_true (dl_runs_page_row_differs (page, "Epochs"));
  g_assert_false (dl_runs_page_row_differs (page, "Batch size"));
  g_assert_false (dl_runs_page_row_differs (page, "Architecture"));

  {
    const char *shots[] = { "runs", "train" };
    gint64 end = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;

    /* the toasts of the runs go first (they time out after 5 s) */
    while (g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (10000);
      }

    for (int d = 0; d < 2; d++)
      for (int k = 0; k < 2; k++)
        {
          shoot (window, shots[k], k == 0 ? "runs" : "runs-overlay", 1200, d == 1);
          shoot (window, shots[k], k == 0 ? "runs" : "runs-overlay", 360, d == 1);
        }
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_DEFAULT);
  }
  /* no run selected: the charts are the live run's again */
  gtk_selection_model_unselect_all (selection);
  spin ();
  g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 4);
  g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 0), ==, 0);

  /* one run's model on the other pages */
  gtk_selection_model_select_item (selection, 1, TRUE);
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.use-model", NULL));
  g_assert_true (g_str_has_prefix (dl_session_get_model_description (dl_window_get_session
                                                                     (window)), "Run "));
  close_window (window);
}

/* Delete, Undo: the run is back; delete, let the toast go: it is gone for good. */
static void
test_delete_undo (void)
{
  DlWindow *window = make_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) trash = NULL;
  g_autofree char *id = NULL;
  AdwToast *toast;

  g_assert_cmpuint (n, >=, 2);
  id = g_strdup (listed_run (page, n - 1)->id);
  gtk_selection_model_select_item (selection, n - 1, TRUE);
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.delete", NULL));
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n - 1);
  g_assert_null (nn_run_store_load (store, id, &error));
  g_assert_error (error, NN_RUN_ERROR, NN_RUN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  toast = dl_runs_page_get_undo_toast (page);
  g_assert_nonnull (toast);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  {
    g_autoptr(NnRun) back = nn_run_store_load (store, id, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (back->id, ==, id);
  }

  /* again, and the toast goes: purged */
  gtk_selection_model_select_item (selection, n - 1, TRUE);
  g_assert_cmpstr (listed_run (page, n - 1)->id, ==, id);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.delete", NULL));
  spin ();
  toast = dl_runs_page_get_undo_toast (page);
  g_assert_nonnull (toast);
  adw_toast_dismiss (toast);
  spin ();
  g_assert_null (dl_runs_page_get_undo_toast (page));
  trash = nn_run_store_list_trash (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trash->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n - 1);
  close_window (window);
}

/* Resume goes on with a run in its own record, on the Train page. */
static void
test_resume (void)
{
  DlWindow *window = make_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) after = NULL;
  g_autofree char *id = NULL;
  gboolean done = FALSE;
  guint n;

  dl_window_set_dataset (window, bars_dataset (2000, 300));
  spin ();
  n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  g_assert_cmpuint (n, >=, 1);
  id = g_strdup (listed_run (page, 0)->id);
  gtk_selection_model_select_item (selection, 0, TRUE);
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.resume", NULL));
  g_test_message ("toast: %s", dl_window_get_last_toast (window));
  g_assert_true (dl_training_get_running (training));
  wait_for (&done, 120);
  spin ();
  g_signal_handlers_disconnect_by_data (training, &done);
  g_assert_cmpstr (dl_training_get_run_id (training), ==, id);
  after = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->n_resumes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  close_window (window);
}

/* Rename asks for the name in a dialog; the list shows it, and the overlay's legend uses it. */
static void
test_rename (void)
{
  DlWindow *window = make_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  GListModel *toplevels = gtk_window_get_toplevels ();   /* borrowed */
  AdwMessageDialog *dialog = NULL;
  g_autofree char *id = NULL;

  id = g_strdup (listed_run (page, 0)->id);
  gtk_selection_model_select_item (selection, 0, TRUE);
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.rename", NULL));
  spin ();
  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && dialog == NULL; i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w))
        dialog = ADW_MESSAGE_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  gtk_editable_set_text (GTK_EDITABLE (adw_message_dialog_get_extra_child (dialog)),
                         "lr 0.003, three epochs");
  /* the dialog closes itself after its response */
  adw_message_dialog_response (dialog, "rename");
  spin ();
  g_assert_cmpstr (listed_run (page, 0)->id, ==, id);
  g_assert_cmpstr (listed_run (page, 0)->name, ==, "lr 0.003, three epochs");
  close_window (window);
}

/* Export Curves as CSV writes the recorded epochs, byte for byte. */
static void
test_export (void)
{
  DlWindow *window = make_window ();
  DlRunsPage *page = runs_page (window);
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (runs_dir, "export.csv", NULL);
  g_autofree char *json_path = g_build_filename (runs_dir, "export.json", NULL);
  g_autofree char *written = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *json = NULL;
  g_autoptr(NnRun) run = NULL;
  g_auto(GStrv) lines = NULL;
  const char *id = listed_run (page, 0)->id;

  run = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_true (dl_runs_page_export (page, id, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  expected = nn_run_epochs_to_csv (run);
  g_assert_cmpstr (written, ==, expected);
  lines = g_strsplit (g_strchomp (written), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, run->n_epochs + 1);
  g_assert_true (g_str_has_prefix (lines[0], "epoch,train_loss"));

  g_assert_true (dl_runs_page_export (page, id, json_path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
  g_assert_nonnull (strstr (json, "\"curves\""));
  g_assert_nonnull (strstr (json, id));
  g_unlink (path);
  g_unlink (json_path);
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  /* a store of its own: nothing of the machine's, nothing left behind */
  runs_dir = g_dir_make_tmp ("digit-lab-runs-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("DIGIT_LAB_RUNS_DIR", runs_dir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  g_test_add_func ("/app/runs/remembered", test_remembered);
  g_test_add_func ("/app/runs/remembered-gone", test_remembered_gone);
  g_test_add_func ("/app/runs/overlay", test_overlay);
  g_test_add_func ("/app/runs/delete-undo", test_delete_undo);
  g_test_add_func ("/app/runs/resume", test_resume);
  g_test_add_func ("/app/runs/rename", test_rename);
  g_test_add_func ("/app/runs/export", test_export);
  status = g_test_run ();
  {
    g_autofree char *cmd = NULL;
    g_autofree char *quoted = g_shell_quote (runs_dir);

    cmd = g_strdup_printf ("rm -rf %s", quoted);
    g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  }
  return status;
}
