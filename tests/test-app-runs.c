/* test-app-runs.c: every app run is recorded, the model survives a restart, runs are compared */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>
#include <stdlib.h>
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
#include "nn-json.h"
#include "nn-run-store.h"

static char *runs_dir;

/* Faint bars, one label in ten wrong: accuracies stay below 100%. */
static NnDataset *
noisy_bars_dataset (size_t n_train,
                    size_t n_test)
{
  return bars_dataset_full (n_train, n_test, 34, TRUE);
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

/* Lets the window draw frames for ms milliseconds: animations run their course. */
static void
run_frames (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
}

static void
settle_and_close (DlWindow *window)
{
  close_window (window);
}

/* A window with the built-in model, nothing compared, the charts' settings at their defaults. */
static DlWindow *
runs_window (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");

  g_settings_reset (settings, "compared-runs");
  g_settings_reset (settings, "chart-x-axis");
  g_settings_reset (settings, "loss-smoothing");
  return make_window ();
}

/* Spins until the series has n points (a worker reads what it shows), at most 30 s. */
static void
wait_for_points (DlChart *chart,
                 guint    series,
                 guint    n)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while ((series >= dl_chart_get_n_series (chart) || dl_chart_get_n_points (chart, series) != n) &&
         g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_cmpuint (dl_chart_get_n_series (chart), >, series);
  g_assert_cmpuint (dl_chart_get_n_points (chart, series), ==, n);
}

static DlChart *
accuracy_chart_of (DlTrainPage *page)
{
  g_autoptr(GPtrArray) figures = dl_page_list_figures (DL_PAGE (page));

  g_assert_cmpuint (figures->len, >=, 2);
  return DL_CHART (((DlPageFigure *) figures->pdata[1])->figure);
}

static NnRunCurves *
load_curves (const char *id)
{
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(NnRun) run = nn_run_store_load (store, id, NULL);
  g_autoptr(GError) error = NULL;
  NnRunCurves *curves;

  g_assert_nonnull (run);
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  return curves;
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
  DlWindow *window = runs_window ();
  g_autofree char *id = NULL;
  g_autofree char *description = NULL;
  g_autofree float *before = NULL, *after = NULL;
  size_t n_before, n_after;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GError) error = NULL;

  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
  spin ();
  id = train (window, 2, 0.001);
  g_assert_nonnull (id);
  description = g_strdup (dl_session_get_model_description (dl_window_get_session (window)));
  g_assert_true (g_str_has_prefix (description, "Trained at "));
  before = dup_weights (dl_session_get_model (dl_window_get_session (window)), &n_before);
  settle_and_close (window);

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
  /* the run is listed, and the Train charts show it as it finished: every recorded point of
   * its loss, its two epochs, its best epoch marked */
  {
    DlRunsPage *page = runs_page (window);
    DlTrainPage *train_page = dl_window_get_train_page (window);
    DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
    g_autoptr(NnRunCurves) curves = load_curves (id);
    gboolean listed = FALSE;
    double x, y;

    for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (dl_runs_page_get_selection
                                                                  (page))); i++)
      listed = listed || g_strcmp0 (listed_run (page, i)->id, id) == 0;
    g_assert_true (listed);
    g_assert_cmpuint (curves->n_points, >, 0);
    wait_for_points (loss_chart, 0, (guint) curves->n_points);
    g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 1), ==, curves->n_points);
    g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 2), ==, 2);
    g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart_of (train_page), 1), ==, 2);
    g_assert_true (dl_chart_get_point (loss_chart, 0, (guint) curves->n_points - 1, &x, &y));
    g_assert_cmpfloat_with_epsilon (x, 2.0, 1e-9);
    g_assert_cmpfloat (y, ==, curves->points[curves->n_points - 1].mean);
    g_assert_cmpfloat (dl_chart_get_marker (loss_chart), ==, run->best_epoch);
  }
  settle_and_close (window);
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
  settle_and_close (window);
}

static void
show_page (DlWindow   *window,
           const char *name)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", name));
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
  /* full width, tall enough for both charts beside the recipe */
  gtk_window_set_default_size (GTK_WINDOW (window), width, width < 600 ? 720 : 860);
  show_page (window, page);
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

          /* full width, the charts are beside the recipe, from the top */
          gtk_adjustment_set_value (adj, width < 600 ? gtk_adjustment_get_upper (adj) : 0);
          for (int i = 0; i < 20; i++)
            {
              spin ();
              g_usleep (2000);
            }
        }
    }
  save_png (GTK_WIDGET (window), file);
}

/* What the Runs page listed for the run in progress as each of its epochs ended */
typedef struct
{
  DlRunsPage *page;
  guint       n;
  guint       epochs[8];
} EpochsListed;

static void
on_epoch_listed (DlTraining         *training,
                 const NnEpochStats *stats,
                 EpochsListed       *listed)
{
  GListModel *model = G_LIST_MODEL (dl_runs_page_get_selection (listed->page));
  const char *id = dl_training_get_run_id (training);
  guint epochs = G_MAXUINT;

  /* connected after the session's own handler, so the page did what it does for an epoch */
  for (guint i = 0; i < g_list_model_get_n_items (model) && epochs == G_MAXUINT; i++)
    {
      const NnRun *run = listed_run (listed->page, i);

      if (g_str_equal (run->id, id))
        epochs = run->n_epochs;
    }
  if (listed->n < G_N_ELEMENTS (listed->epochs))
    listed->epochs[listed->n++] = epochs;
}

static void
show_runs_page (DlWindow *window)
{
  show_page (window, "runs");
}

/* The Runs page lists the store again at each epoch of a run only while it is on screen: listing
 * reads every run's record and the folders' sizes, which grow with the store, and a run watched
 * on the Train page should not pay for it. A run's start and end list it at once, and a page
 * shown again lists what it missed. */
static void
test_epochs_listed (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  EpochsListed listed = { page, 0, { 0 } };
  g_autofree char *first = NULL, *second = NULL;

  dl_window_set_dataset (window, bars_dataset (600, 100));
  g_signal_connect (training, "epoch-finished", G_CALLBACK (on_epoch_listed), &listed);

  /* trained from the Train page: the run is listed as it starts and as it ends, not between */
  show_page (window, "train");
  spin ();
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (page)));
  first = train (window, 3, 0.001);
  g_assert_cmpuint (listed.n, ==, 3);
  for (guint e = 0; e < 3; e++)
    g_assert_cmpuint (listed.epochs[e], ==, 0);
  g_assert_cmpstr (listed_run (page, 0)->id, ==, first);
  g_assert_cmpuint (listed_run (page, 0)->n_epochs, ==, 3);
  g_assert_cmpint (listed_run (page, 0)->status, ==, NN_RUN_STATUS_FINISHED);

  /* Start shows the Train page; back on the Runs page as the run is recorded, each epoch is
   * listed as it ends */
  listed.n = 0;
  g_signal_connect_swapped (training, "recording", G_CALLBACK (show_runs_page), window);
  second = train (window, 3, 0.001);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_cmpuint (listed.n, ==, 3);
  for (guint e = 0; e < 3; e++)
    g_assert_cmpuint (listed.epochs[e], ==, e + 1);
  g_assert_cmpstr (first, !=, second);

  g_signal_handlers_disconnect_by_data (training, &listed);
  g_signal_handlers_disconnect_by_data (training, window);
  settle_and_close (window);
}

/* Two runs selected: each draws its curves on both Train charts in its own colour, and the
 * table marks the setting that differs. */
static void
test_overlay (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlTrainPage *train_page = dl_window_get_train_page (window);
  DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
  DlChart *accuracy_chart = NULL;
  g_autofree char *first = NULL, *second = NULL;
  guint n_before = g_list_model_get_n_items (G_LIST_MODEL (selection));

  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
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

  /* each run's series hold its record: by epoch, by images seen, by seconds */
  {
    g_autoptr(NnRunCurves) older = load_curves (first);
    const NnRunCurvePoint *last = &older->points[older->n_points - 1];
    const NnRun *newer = dl_session_get_compared_runs (dl_window_get_session (window))->pdata[1];
    g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
    double x, y;

    g_assert_cmpstr (((const NnRun *) dl_session_get_compared_runs
                      (dl_window_get_session (window))->pdata[0])->id, ==, first);
    g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 0), ==, older->n_points);
    g_assert_true (dl_chart_get_point (loss_chart, 0, (guint) older->n_points - 1, &x, &y));
    g_assert_cmpfloat_with_epsilon (x, 2.0, 1e-9);
    g_assert_cmpfloat (y, ==, last->mean);
    g_assert_cmpstr (dl_chart_get_x_label (loss_chart), ==, "epoch");

    g_settings_set_string (settings, "chart-x-axis", "images");
    spin ();
    g_assert_cmpstr (dl_chart_get_x_label (loss_chart), ==, "images seen");
    g_assert_cmpstr (dl_chart_get_x_label (accuracy_chart), ==, "images seen");
    g_assert_true (dl_chart_get_point (loss_chart, 0, (guint) older->n_points - 1, &x, &y));
    g_assert_cmpfloat (x, ==, (double) last->images);
    g_assert_true (dl_chart_get_point (accuracy_chart, 2, 2, &x, &y));
    g_assert_cmpfloat (x, ==, (double) newer->epochs[2].images);
    g_assert_cmpfloat (y, ==, newer->epochs[2].stats.val_accuracy);

    g_settings_set_string (settings, "chart-x-axis", "time");
    spin ();
    g_assert_cmpstr (dl_chart_get_x_label (loss_chart), ==, "seconds");
    g_assert_true (dl_chart_get_point (loss_chart, 0, (guint) older->n_points - 1, &x, &y));
    g_assert_cmpfloat (x, ==, last->seconds);
    g_assert_true (dl_chart_get_point (accuracy_chart, 2, 2, &x, &y));
    g_assert_cmpfloat (x, ==, newer->epochs[2].elapsed);
    g_assert_cmpfloat (x, >, 0);
    g_settings_reset (settings, "chart-x-axis");
    spin ();
    g_assert_cmpstr (dl_chart_get_x_label (loss_chart), ==, "epoch");
  }

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
  /* no run selected: the charts show the run trained last, from its record */
  gtk_selection_model_unselect_all (selection);
  spin ();
  {
    g_autoptr(NnRunCurves) newest = load_curves (second);
    g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
    double x0, y0, x1, y1, s0, s1;
    const double w = 0.9;

    g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 4);
    wait_for_points (loss_chart, 0, (guint) newest->n_points);
    g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 2), ==, 3);

    /* the smoothed loss: no smoothing follows the points; otherwise an average that starts at
     * the first loss (bias-corrected) */
    g_settings_set_double (settings, "loss-smoothing", 0);
    spin ();
    for (guint k = 0; k < newest->n_points; k++)
      {
        g_assert_true (dl_chart_get_point (loss_chart, 0, k, &x0, &y0));
        g_assert_true (dl_chart_get_point (loss_chart, 1, k, &x1, &y1));
        g_assert_cmpfloat (x0, ==, x1);
        g_assert_cmpfloat (y0, ==, y1);
      }
    g_settings_set_double (settings, "loss-smoothing", w);
    spin ();
    g_assert_cmpuint (dl_chart_get_n_points (loss_chart, 1), ==, newest->n_points);
    g_assert_true (dl_chart_get_point (loss_chart, 0, 0, NULL, &y0));
    g_assert_true (dl_chart_get_point (loss_chart, 0, 1, NULL, &y1));
    g_assert_true (dl_chart_get_point (loss_chart, 1, 0, NULL, &s0));
    g_assert_true (dl_chart_get_point (loss_chart, 1, 1, NULL, &s1));
    g_assert_cmpfloat_with_epsilon (s0, y0, 1e-12);
    g_assert_cmpfloat_with_epsilon (s1, (w * (1 - w) * y0 + (1 - w) * y1) / (1 - w * w), 1e-12);
    g_settings_reset (settings, "loss-smoothing");
  }

  /* one run's model on the other pages, read on a worker */
  gtk_selection_model_select_item (selection, 1, TRUE);
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.use-model", NULL));
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (dl_runs_page_get_reading_model (page) && g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
  }
  g_assert_false (dl_runs_page_get_reading_model (page));
  g_assert_true (g_str_has_prefix (dl_session_get_model_description (dl_window_get_session
                                                                     (window)), "Run "));
  g_assert_cmpstr (dl_window_get_last_toast (window), ==,
                   "The other pages now use this run’s model");
  settle_and_close (window);
}

/* Delete, Undo: the run is back; delete, let the toast go: it is gone for good. */
static void
test_delete_undo (void)
{
  DlWindow *window = runs_window ();
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
  /* it goes (its time is up, or it is closed) while it waits or slides in */
  dl_window_dismiss_toast (window, toast);
  spin ();
  g_assert_null (dl_runs_page_get_undo_toast (page));
  trash = nn_run_store_list_trash (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (trash->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n - 1);
  settle_and_close (window);
}

/* Spins until the window has given the toast to its overlay (one at a time), at most 5 s. */
static void
wait_until_shown (DlWindow *window,
                  AdwToast *toast)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (window->shown_toast != toast && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_true (window->shown_toast == toast);
}

/* Deletes the first run listed; returns the Undo toast. */
static AdwToast *
delete_first (DlRunsPage *page,
              guint       n)
{
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);

  gtk_selection_model_select_item (selection, 0, TRUE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.delete", NULL));
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n - 1);
  g_assert_nonnull (dl_runs_page_get_undo_toast (page));
  return dl_runs_page_get_undo_toast (page);
}

/* Undo clicked while its toast waits behind another that slides out, or while it slides in; a
 * toast dismissed as it appears; the window closed while toasts slide: nothing waits for the
 * animations, and nothing crashes as they end. (libadwaita 1.2 shows a toast that replaces
 * another for 500 ms but hides it in 300, and freed a toast dismissed early before its slide-in
 * ended; a toast put back behind the Undo one and brought back while it still slid out failed
 * an assertion.) */
static void
test_undo_while_sliding_in (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  AdwToast *toast;

  g_assert_cmpuint (n, >=, 1);
  /* a toast on screen; the Undo one takes its place and is clicked before it shows */
  dl_window_show_toast (window, "Something happened");
  run_frames (50);
  toast = delete_first (page, n);
  g_signal_emit_by_name (toast, "button-clicked");
  spin ();
  g_assert_null (dl_runs_page_get_undo_toast (page));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  run_frames (700);

  /* clicked as it slides in, as the toast's own button does it */
  dl_window_show_toast (window, "Something else happened");
  run_frames (50);
  toast = g_object_ref (delete_first (page, n));
  wait_until_shown (window, toast);
  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  g_object_unref (toast);
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  /* the toast it replaced comes back, and goes at once */
  run_frames (100);
  g_assert_cmpstr (dl_window_get_last_toast (window), ==, "Something else happened");
  run_frames (700);

  /* dismissed as it slides in over nothing: the run goes for good; then two at once */
  toast = g_object_ref (delete_first (page, n));
  wait_until_shown (window, toast);
  dl_window_dismiss_toast (window, toast);
  g_object_unref (toast);
  spin ();
  g_assert_null (dl_runs_page_get_undo_toast (page));
  n--;
  dl_window_show_toast (window, "One");
  dl_window_show_toast (window, "Two");
  run_frames (20);
  /* and the window goes while they come and go */
  settle_and_close (window);
}

/* Resume goes on with a run in its own record, on the Train page. */
static void
test_resume (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRun) after = NULL;
  g_autofree char *id = NULL;
  gboolean done = FALSE;
  guint n;

  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
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
  settle_and_close (window);
}

/* Rename asks for the name in a dialog; the list shows it, and the overlay's legend uses it. */
static void
test_rename (void)
{
  DlWindow *window = runs_window ();
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
  settle_and_close (window);
}

/* A number of an export as the record has it: an empty CSV field or a JSON null is "not
 * measured" (NAN) */
static void
assert_same_number (double exported,
                    double recorded)
{
  if (isnan (recorded))
    g_assert_true (isnan (exported));
  else
    g_assert_cmpfloat (exported, ==, recorded);
}

/* Export Curves as CSV and Export as JSON write what the run recorded: every epoch's metrics,
 * every point of its loss curve, read back to the same numbers. */
static void
test_export (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (runs_dir, "export.csv", NULL);
  g_autofree char *json_path = g_build_filename (runs_dir, "export.json", NULL);
  g_autofree char *written = NULL;
  g_autofree char *json = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(NnRunCurves) curves = NULL;
  g_auto(GStrv) lines = NULL;
  const char *id = listed_run (page, 0)->id;
  NnJsonNode *root;
  const NnJsonNode *epochs, *points;

  run = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  curves = nn_run_load_curves (run, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (run->n_epochs, >=, 2);

  g_assert_true (dl_runs_page_export (page, id, path, FALSE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  lines = g_strsplit (g_strchomp (written), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, run->n_epochs + 1);
  g_assert_cmpstr (lines[0], ==, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,"
                   "test_loss,test_accuracy,seconds,samples_per_second,elapsed,images,best");
  for (guint e = 0; e < run->n_epochs; e++)
    {
      const NnRunEpoch *ep = &run->epochs[e];
      g_auto(GStrv) f = g_strsplit (lines[e + 1], ",", -1);
      double v[11];

      g_assert_cmpuint (g_strv_length (f), ==, 12);
      for (int k = 0; k < 11; k++)
        v[k] = f[k][0] == '\0' ? NAN : g_ascii_strtod (f[k], NULL);
      g_assert_cmpfloat (v[0], ==, ep->stats.epoch);
      assert_same_number (v[1], ep->stats.train_loss);
      assert_same_number (v[2], ep->stats.train_accuracy);
      assert_same_number (v[3], ep->stats.val_loss);
      assert_same_number (v[4], ep->stats.val_accuracy);
      assert_same_number (v[5], ep->stats.test_loss);
      assert_same_number (v[6], ep->stats.test_accuracy);
      assert_same_number (v[7], ep->stats.seconds);
      assert_same_number (v[8], ep->stats.samples_per_second);
      assert_same_number (v[9], ep->elapsed);
      g_assert_cmpfloat (v[10], ==, (double) ep->images);
      g_assert_cmpstr (f[11], ==, ep->stats.is_best ? "1" : "0");
    }

  g_assert_true (dl_runs_page_export (page, id, json_path, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (json_path, &json, NULL, NULL));
  root = nn_json_parse (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (nn_json_node_get_string (nn_json_object_get (root, "id")), ==, id);
  epochs = nn_json_object_get (root, "epochs");
  g_assert_cmpuint (nn_json_array_get_length (epochs), ==, run->n_epochs);
  for (guint e = 0; e < run->n_epochs; e++)
    {
      const NnJsonNode *o = nn_json_array_get_element (epochs, e);
      const NnEpochStats *st = &run->epochs[e].stats;

      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (o, "train_loss")), ==,
                         st->train_loss);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (o, "val_loss")), ==,
                         st->val_loss);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (o, "val_accuracy")), ==,
                         st->val_accuracy);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (o, "test_accuracy")), ==,
                         st->test_accuracy);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_object_get (o, "elapsed")), ==,
                         run->epochs[e].elapsed);
    }
  points = nn_json_object_get (nn_json_object_get (root, "curves"), "points");
  g_assert_cmpuint (nn_json_array_get_length (points), ==, curves->n_points);
  for (size_t k = 0; k < curves->n_points; k++)
    {
      const NnJsonNode *pt = nn_json_array_get_element (points, k);

      g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (pt, 0)), ==,
                         (double) curves->points[k].step);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (pt, 1)), ==,
                         (double) curves->points[k].images);
      g_assert_cmpfloat (nn_json_node_get_number (nn_json_array_get_element (pt, 5)), ==,
                         curves->points[k].mean);
    }
  nn_json_node_free (root);
  g_unlink (path);
  g_unlink (json_path);
  settle_and_close (window);
}

/* Rewrites a recorded run's start time (a run from long ago, for Remove Old Runs) */
static void
set_started (const char *id,
             const char *iso)
{
  g_autofree char *path = g_build_filename (runs_dir, id, "run.json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *replacement = g_strdup_printf ("\"started\":\"%s\"", iso);
  g_autoptr(GRegex) regex = g_regex_new ("\"started\": *\"[^\"]*\"", 0, 0, NULL);

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  changed = g_regex_replace_literal (regex, text, -1, 0, replacement, 0, NULL);
  g_assert_cmpstr (changed, !=, text);
  g_assert_true (g_file_set_contents (path, changed, -1, NULL));
}

static AdwMessageDialog *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static gboolean
is_listed (DlRunsPage *page,
           const char *id)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (dl_runs_page_get_selection (page)));

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (listed_run (page, i)->id, id) == 0)
      return TRUE;
  return FALSE;
}

/* Remove Old Runs: the runs started before a week ago go, in one step, the others stay; Undo
 * brings them all back. */
static void
test_remove_old (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (selection));
  g_autoptr(NnRunStore) store = nn_run_store_new (NULL, NULL);
  g_autofree char *old1 = NULL, *old2 = NULL, *recent = NULL;
  g_autofree char *started1 = NULL, *started2 = NULL;
  AdwMessageDialog *dialog;
  AdwToast *toast;

  g_assert_cmpuint (n, >=, 3);
  old1 = g_strdup (listed_run (page, n - 1)->id);
  old2 = g_strdup (listed_run (page, n - 2)->id);
  recent = g_strdup (listed_run (page, 0)->id);
  started1 = g_strdup (listed_run (page, n - 1)->started_iso);
  started2 = g_strdup (listed_run (page, n - 2)->started_iso);
  set_started (old1, "2020-01-01T00:00:00Z");
  set_started (old2, "2020-01-02T00:00:00Z");
  dl_runs_page_reload (page);
  spin ();

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.remove-old", NULL));
  spin ();
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "week");
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n - 2);
  g_assert_false (is_listed (page, old1));
  g_assert_false (is_listed (page, old2));
  g_assert_true (is_listed (page, recent));
  toast = dl_runs_page_get_undo_toast (page);
  g_assert_nonnull (toast);
  g_assert_cmpstr (adw_toast_get_title (toast), ==, "2 runs removed");

  g_signal_emit_by_name (toast, "button-clicked");
  adw_toast_dismiss (toast);
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  g_assert_true (is_listed (page, old1));
  g_assert_true (is_listed (page, old2));

  /* nothing that old any more: said so, nothing removed */
  set_started (old1, started1);
  set_started (old2, started2);
  dl_runs_page_reload (page);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "runs.remove-old", NULL));
  spin ();
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "week");
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (selection)), ==, n);
  g_assert_cmpstr (dl_window_get_last_toast (window), ==, "No run is that old");
  settle_and_close (window);
}

/* A run whose epochs have no recorded times (an older record): the Time axis is off for it,
 * and the charts keep to epochs. */
static void
test_untimed (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlChart *accuracy_chart = accuracy_chart_of (dl_window_get_train_page (window));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  g_autofree char *id = g_strdup (listed_run (page, 0)->id);
  g_autofree char *path = g_build_filename (runs_dir, id, "run.json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *stripped = NULL;
  g_autoptr(GRegex) regex = g_regex_new ("\"elapsed\": *[^,}]*,", 0, 0, NULL);
  guint n_epochs;
  double x;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  stripped = g_regex_replace_literal (regex, text, -1, 0, "", 0, NULL);
  g_assert_null (strstr (stripped, "\"elapsed\""));
  g_assert_true (g_file_set_contents (path, stripped, -1, NULL));
  dl_runs_page_reload (page);
  spin ();
  n_epochs = listed_run (page, 0)->n_epochs;
  g_assert_true (isnan (listed_run (page, 0)->epochs[0].elapsed));

  g_settings_set_string (settings, "chart-x-axis", "time");
  gtk_selection_model_select_item (selection, 0, TRUE);
  gtk_selection_model_select_item (selection, 1, FALSE);
  spin ();
  g_assert_cmpstr (dl_chart_get_x_label (accuracy_chart), ==, "epoch");
  /* the newer run is the second of the two; its validation accuracy is series 2 */
  g_assert_true (dl_chart_get_point (accuracy_chart, 2, n_epochs - 1, &x, NULL));
  g_assert_cmpfloat (x, ==, n_epochs);
  /* the chosen axis is kept for runs that have times */
  gtk_selection_model_select_item (selection, 1, TRUE);
  spin ();
  g_assert_cmpstr (dl_chart_get_x_label (accuracy_chart), ==, "seconds");
  g_settings_reset (settings, "chart-x-axis");
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  settle_and_close (window);
}

/* The run store cannot be written: training goes on and ends with its model in use, and a toast
 * says the run is not recorded; likewise when the record breaks in the middle of a run. */
typedef struct
{
  char     *store_dir;
  gboolean  broken;
  char     *toast;      /* the toast shown when the record failed */
} BreakRecord;

static void
on_record_failed (DlTraining  *training,
                  const char  *message,
                  BreakRecord *b)
{
  DlWindow *window = g_object_get_data (G_OBJECT (training), "test-window");

  g_free (b->toast);
  b->toast = g_strdup (dl_window_get_last_toast (window));
}

static void
on_recording_break (DlTraining  *training,
                    const char  *id,
                    BreakRecord *b)
{
  g_autofree char *path = g_build_filename (b->store_dir, id, "run.json", NULL);

  /* a folder where run.json goes: the next write of the record fails */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  b->broken = TRUE;
}

static void
test_record_fails (void)
{
  g_autofree char *blocker = g_build_filename (runs_dir, "not-a-folder", NULL);
  g_autofree char *bad_dir = g_build_filename (blocker, "runs", NULL);
  DlWindow *window;
  DlTraining *training;
  DlTrainPage *train_page;
  BreakRecord b = { 0 };
  g_autofree char *id = NULL;
  guint n_listed;

  /* no store at all: a file where its folder's parent should be */
  g_assert_true (g_file_set_contents (blocker, "", 0, NULL));
  g_setenv ("DIGIT_LAB_RUNS_DIR", bad_dir, TRUE);
  window = runs_window ();
  training = dl_session_get_training (dl_window_get_session (window));
  train_page = dl_window_get_train_page (window);
  g_object_set_data (G_OBJECT (training), "test-window", window);
  g_signal_connect_after (training, "record-failed", G_CALLBACK (on_record_failed), &b);
  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
  spin ();
  g_assert_null (train (window, 2, 0.001));
  g_signal_handlers_disconnect_by_data (training, &b);
  g_test_message ("toast: %s", b.toast);
  g_assert_nonnull (b.toast);
  g_assert_true (g_str_has_prefix (b.toast, "This run is not recorded: "));
  g_clear_pointer (&b.toast, g_free);
  g_assert_cmpuint (dl_training_get_epochs_done (training), ==, 2);
  g_assert_true (g_str_has_prefix (dl_session_get_model_description (dl_window_get_session
                                                                     (window)), "Trained at "));
  g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart_of (train_page), 1), ==, 2);
  settle_and_close (window);
  g_setenv ("DIGIT_LAB_RUNS_DIR", runs_dir, TRUE);
  g_unlink (blocker);

  /* the record breaks once the run started: the run trains to its end all the same */
  window = runs_window ();
  training = dl_session_get_training (dl_window_get_session (window));
  n_listed = g_list_model_get_n_items (G_LIST_MODEL (dl_runs_page_get_selection
                                                     (runs_page (window))));
  b.store_dir = runs_dir;
  g_object_set_data (G_OBJECT (training), "test-window", window);
  g_signal_connect (training, "recording", G_CALLBACK (on_recording_break), &b);
  g_signal_connect_after (training, "record-failed", G_CALLBACK (on_record_failed), &b);
  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
  spin ();
  id = train (window, 2, 0.001);
  g_signal_handlers_disconnect_by_data (training, &b);
  g_assert_true (b.broken);
  g_assert_null (id);
  g_test_message ("toast: %s", b.toast);
  g_assert_nonnull (b.toast);
  g_assert_true (g_str_has_prefix (b.toast, "This run is not recorded: "));
  g_clear_pointer (&b.toast, g_free);
  g_assert_cmpuint (dl_training_get_epochs_done (training), ==, 2);
  g_assert_true (g_str_has_prefix (dl_session_get_model_description (dl_window_get_session
                                                                     (window)), "Trained at "));
  /* the broken record is listed as damaged, for the user to delete */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (dl_runs_page_get_selection
                                                             (runs_page (window)))), ==,
                    n_listed + 1);
  g_assert_cmpint (listed_run (runs_page (window), 0)->status, ==, NN_RUN_STATUS_DAMAGED);
  settle_and_close (window);
}

/* The window as the screen shows it once it drew a frame, in bytes (4 a pixel) */
static guchar *
render_widget (GtkWidget *widget,
               int       *width,
               int       *height)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GdkTexture) texture = NULL;
  guchar *data;

  /* the paintable shows the window's last frame: let it draw one */
  for (int i = 0; i < 50; i++)
    {
      spin ();
      g_usleep (2000);
    }
  *width = gtk_widget_get_width (widget);
  *height = gtk_widget_get_height (widget);
  gdk_paintable_snapshot (paintable, snapshot, *width, *height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, *width, *height));
  gsk_renderer_unrealize (renderer);
  data = g_malloc ((gsize) *width * *height * 4);
  gdk_texture_download (texture, data, (gsize) *width * 4);
  return data;
}

/* A chart in a window of its own, 500 × 300, with a run that ended at x = 1 and one that grows */
static GtkWidget *
chart_window (DlChart **chart)
{
  GtkWidget *window = gtk_window_new ();

  *chart = DL_CHART (dl_chart_new ("epoch", "loss"));
  dl_chart_set_redraw_interval (*chart, 0);
  dl_chart_add_series (*chart, "finished", "red", DL_CHART_FAINT);
  dl_chart_add_series (*chart, "batch", "blue", DL_CHART_FAINT);
  dl_chart_add_series (*chart, "smoothed", "blue", DL_CHART_LINE);
  dl_chart_set_x_range (*chart, 0, 4);
  dl_chart_set_y_log (*chart, TRUE);
  for (guint k = 0; k < 3000; k++)
    dl_chart_append (*chart, 0, k / 3000.0, 2.0 / (1 + k / 300.0) + 0.2 * fabs (sin (k)));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (*chart));
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 300);
  gtk_window_present (GTK_WINDOW (window));
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while ((!gtk_widget_get_mapped (GTK_WIDGET (*chart)) ||
            gtk_widget_get_width (GTK_WIDGET (*chart)) < 500) &&
           g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
  }
  spin ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (*chart)));
  return window;
}

static void
grow (DlChart *chart,
      guint    from,
      guint    to)
{
  for (guint k = from; k < to; k++)
    {
      double x = k / 1000.0;

      dl_chart_append (chart, 1, x, 2.0 / (1 + x) + 0.3 * fabs (sin (k)));
      dl_chart_append (chart, 2, x, 2.0 / (1 + x));
    }
}

/* The chart draws only what new points changed, and a finished series that ends left of them is
 * not drawn again (before, every frame drew all points right of where any series ended: the
 * longer a run went on past a finished run's end, the more): the picture is the one a full draw
 * gives. */
static void
test_chart_cache (void)
{
  DlChart *chart, *fresh;
  GtkWidget *window = chart_window (&chart);
  GtkWidget *other;
  g_autofree guchar *incremental = NULL;
  g_autofree guchar *full = NULL;
  int w, h, w2, h2;
  guint n_full;

  /* the windows hold the charts alone: the same decorations around them */
  grow (chart, 0, 1500);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (gtk_widget_get_width (GTK_WIDGET (chart)), >=, 500);
  /* a run's late stretch: a few new points, far right of the finished run's end */
  grow (chart, 1500, 2500);
  g_free (render_widget (window, &w, &h));
  grow (chart, 2500, 2520);
  incremental = render_widget (window, &w, &h);
  /* the growing series from their last column on: a few points, nothing of the finished run */
  g_test_message ("points drawn for 20 new ones: %u", dl_chart_get_n_drawn_points (chart));
  g_assert_cmpuint (dl_chart_get_n_drawn_points (chart), <, 100);

  /* the same data drawn at once, in a window alone as the first was */
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
  other = chart_window (&fresh);
  grow (fresh, 0, 2520);
  full = render_widget (other, &w2, &h2);
  n_full = dl_chart_get_n_drawn_points (fresh);
  g_test_message ("points drawn in a full draw: %u", n_full);
  g_assert_cmpuint (n_full, >, 1000);
  g_assert_cmpint (w, ==, w2);
  g_assert_cmpint (h, ==, h2);
  {
    graphene_rect_t b;
    int differ = 0, most = 0;

    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (fresh), other, &b));
    for (int y = (int) b.origin.y; y < (int) (b.origin.y + b.size.height); y++)
      for (int x = (int) b.origin.x; x < (int) (b.origin.x + b.size.width); x++)
        {
          const guchar *a = incremental + ((gsize) y * w + x) * 4;
          const guchar *c = full + ((gsize) y * w + x) * 4;
          int d = 0;

          for (int k = 0; k < 4; k++)
            d = MAX (d, abs (a[k] - c[k]));
          differ += d > 0;
          most = MAX (most, d);
        }
    /* a translucent line drawn in two pieces where the redrawn part begins may round a level
     * differently; nothing else may differ */
    g_test_message ("%d of %d pixels differ, by at most %d of 255", differ,
                    (int) (b.size.width * b.size.height), most);
    g_assert_cmpint (most, <=, 2);
    g_assert_cmpint (differ, <=, 10);
  }
  gtk_window_destroy (GTK_WINDOW (other));
  spin ();
}

/* A chart as the Train page's loss chart is while a run trains with n finished runs overlaid:
 * the live batch (faint) and smoothed losses, then each finished run's faint training loss over
 * the whole x range, marked still, and the validation loss of the first as dots */
static GtkWidget *
still_chart_window (DlChart **chart,
                    guint     n)
{
  GtkWidget *window = gtk_window_new ();
  static const char *const colors[] = { "red", "brown", "purple", "green" };

  *chart = DL_CHART (dl_chart_new ("epoch", "loss"));
  dl_chart_set_redraw_interval (*chart, 0);
  dl_chart_add_series (*chart, "batch", "blue", DL_CHART_FAINT);
  dl_chart_add_series (*chart, "smoothed", "blue", DL_CHART_LINE);
  dl_chart_set_x_range (*chart, 0, 4);
  dl_chart_set_y_log (*chart, TRUE);
  for (guint i = 0; i < n; i++)
    {
      guint s = dl_chart_add_series (*chart, colors[i % 4], colors[i % 4], DL_CHART_FAINT);

      for (guint k = 0; k < 4000; k++)
        dl_chart_append (*chart, s, k / 1000.0,
                         (2.5 - 0.3 * i) / (1 + k / 500.0) + 0.2 * fabs (sin (k * (i + 1))));
      dl_chart_set_series_still (*chart, s, TRUE);
    }
  {
    guint s = dl_chart_add_series (*chart, "validation", "red", DL_CHART_MARKERS);

    for (guint e = 1; e <= 4; e++)
      dl_chart_append (*chart, s, e, 1.0 / e);
    dl_chart_set_series_still (*chart, s, TRUE);
  }
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (*chart));
  gtk_window_set_default_size (GTK_WINDOW (window), 500, 300);
  gtk_window_present (GTK_WINDOW (window));
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while ((!gtk_widget_get_mapped (GTK_WIDGET (*chart)) ||
            gtk_widget_get_width (GTK_WIDGET (*chart)) < 500) &&
           g_get_monotonic_time () < end)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
  }
  spin ();
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (*chart)));
  return window;
}

/* The live batch and smoothed losses, by epoch, inside the finished runs' y range */
static void
grow_live (DlChart *chart,
           guint    from,
           guint    to)
{
  for (guint k = from; k < to; k++)
    {
      double x = k / 1000.0;

      dl_chart_append (chart, 0, x, 2.0 / (1 + x) + 0.3 * fabs (sin (k)));
      dl_chart_append (chart, 1, x, 2.0 / (1 + x));
    }
}

/* The largest difference of two renderings inside a widget's bounds, and how many pixels differ */
static int
compare_in (const guchar *a,
            const guchar *b,
            int           stride_w,
            GtkWidget    *widget,
            GtkWidget    *window,
            int          *differ)
{
  graphene_rect_t r;
  int most = 0;

  *differ = 0;
  g_assert_true (gtk_widget_compute_bounds (widget, window, &r));
  for (int y = (int) r.origin.y; y < (int) (r.origin.y + r.size.height); y++)
    for (int x = (int) r.origin.x; x < (int) (r.origin.x + r.size.width); x++)
      {
        const guchar *p = a + ((gsize) y * stride_w + x) * 4;
        const guchar *q = b + ((gsize) y * stride_w + x) * 4;
        int d = 0;

        for (int k = 0; k < 4; k++)
          d = MAX (d, abs (p[k] - q[k]));
        *differ += d > 0;
        most = MAX (most, d);
      }
  return most;
}

/* Finished runs overlaid behind a growing one are drawn once, into a layer of their own: a redraw
 * for the live run's new points draws those alone (before, it drew the finished runs' lines again
 * from the live point to the right edge), and the picture is the one a full draw gives. The layer
 * is drawn again when the size, the axis range or the colours change, not while the live run
 * grows inside the range. */
static void
test_chart_cache_still (void)
{
  DlChart *chart, *fresh;
  GtkWidget *window = still_chart_window (&chart, 3);
  GtkWidget *other;
  g_autofree guchar *incremental = NULL;
  g_autofree guchar *full = NULL;
  int w, h, w2, h2, differ, most;
  guint builds;

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  grow_live (chart, 0, 300);
  g_free (render_widget (window, &w, &h));
  builds = dl_chart_get_n_still_builds (chart);
  g_assert_cmpuint (builds, >=, 1);
  grow_live (chart, 300, 800);
  g_free (render_widget (window, &w, &h));
  grow_live (chart, 800, 820);
  incremental = render_widget (window, &w, &h);
  /* the live series from their last column on; nothing of the 12,000 finished points */
  g_test_message ("points drawn for 20 new ones: %u", dl_chart_get_n_drawn_points (chart));
  g_assert_cmpuint (dl_chart_get_n_drawn_points (chart), <, 100);
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds);

  /* the same data drawn at once, in a window alone as the first was */
  other = still_chart_window (&fresh, 3);
  grow_live (fresh, 0, 820);
  full = render_widget (other, &w2, &h2);
  g_assert_cmpint (w, ==, w2);
  g_assert_cmpint (h, ==, h2);
  most = compare_in (incremental, full, w, GTK_WIDGET (fresh), other, &differ);
  /* the live faint line drawn in two pieces where the redrawn part begins may round a level
   * differently at the seam; nothing else may differ */
  g_test_message ("%d pixels differ, by at most %d of 255", differ, most);
  g_assert_cmpint (most, <=, 2);
  g_assert_cmpint (differ, <=, 10);
  gtk_window_destroy (GTK_WINDOW (other));
  spin ();

  /* the axis range changes: drawn again, once */
  builds = dl_chart_get_n_still_builds (chart);
  dl_chart_set_x_range (chart, 0, 5);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 1);
  grow_live (chart, 820, 900);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 1);
  /* the live run leaves the finished runs' y range: the axis grows, the layer is drawn again */
  dl_chart_append (chart, 1, 0.95, 40);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 2);
  /* dark style: the colours change */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 3);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 4);
  /* another size */
  gtk_widget_set_size_request (GTK_WIDGET (chart), 620, 340);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (chart)), >=, 620);
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 5);
  /* a finished run taken away: drawn again without it */
  dl_chart_remove_series_from (chart, 4);
  g_free (render_widget (window, &w, &h));
  g_assert_cmpuint (dl_chart_get_n_still_builds (chart), ==, builds + 6);
  gtk_window_destroy (GTK_WINDOW (window));
  spin ();
}

/* Three finished runs selected, a new run starts: their curves are read on a worker and drawn
 * behind the live series, thin, by epoch, as the record holds them; the live run's own series
 * keep their places. */
static void
test_behind (void)
{
  DlWindow *window = runs_window ();
  DlRunsPage *page = runs_page (window);
  GtkSelectionModel *selection = dl_runs_page_get_selection (page);
  DlTrainPage *train_page = dl_window_get_train_page (window);
  DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
  DlChart *accuracy_chart = accuracy_chart_of (train_page);
  DlTraining *training = dl_session_get_training (dl_window_get_session (window));
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  GPtrArray *compared;
  gboolean done = FALSE;

  dl_window_set_dataset (window, noisy_bars_dataset (2000, 300));
  spin ();
  for (guint i = 0; i < 3; i++)
    g_free (train (window, 2, 0.0005 * (i + 1)));
  for (guint i = 0; i < 3; i++)
    gtk_selection_model_select_item (selection, i, FALSE);
  spin ();
  compared = dl_session_get_compared_runs (dl_window_get_session (window));
  g_assert_cmpuint (compared->len, ==, 3);

  g_settings_set_uint (settings, "epochs", 4);
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  spin ();
  g_assert_true (dl_training_get_running (training));
  /* batch, smoothed, training and validation losses, then each run's training loss */
  for (guint i = 0; i < compared->len; i++)
    {
      g_autoptr(NnRunCurves) curves = load_curves (((const NnRun *) compared->pdata[i])->id);

      wait_for_points (loss_chart, 4 + i, (guint) curves->n_points);
    }
  g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 7);
  /* training, validation and test accuracies, then each run's validation accuracy */
  g_assert_cmpuint (dl_chart_get_n_series (accuracy_chart), ==, 6);
  for (guint i = 0; i < compared->len; i++)
    g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, 3 + i), ==, 2);

  /* after the first epoch, paused for the pictures */
  wait_for_points (accuracy_chart, 0, 1);
  dl_training_set_paused (training, TRUE);
  for (int d = 0; d < 2; d++)
    {
      shoot (window, "train", "behind-during", 1200, d == 1);
      shoot (window, "train", "behind-during", 360, d == 1);
    }
  dl_training_set_paused (training, FALSE);
  wait_for (&done, 120);
  g_signal_handlers_disconnect_by_data (training, &done);
  spin ();
  g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 7);
  g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, 0), ==, 4);
  for (int d = 0; d < 2; d++)
    {
      shoot (window, "train", "behind-after", 1200, d == 1);
      shoot (window, "train", "behind-after", 360, d == 1);
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  gtk_selection_model_unselect_all (selection);
  g_settings_reset (settings, "epochs");
  settle_and_close (window);
}

/* Trained on its validation images too, a run shows no validation figure: no validation series
 * live or recorded, none in the charts' summaries, none in its row of the Runs view */
static void
test_train_on_all (void)
{
  DlWindow *window = runs_window ();
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  g_autofree char *id = NULL;
  g_autofree char *description = NULL;
  g_autoptr(NnRunStore) store = NULL;
  g_autoptr(NnRun) run = NULL;
  g_autoptr(GError) error = NULL;

  g_settings_set_boolean (settings, "train-on-all", TRUE);
  dl_window_set_dataset (window, noisy_bars_dataset (1000, 200));
  spin ();
  id = train (window, 2, 0.001);
  g_assert_nonnull (id);
  {
    DlTrainPage *train_page = dl_window_get_train_page (window);
    DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
    DlChart *accuracy_chart = accuracy_chart_of (train_page);

    /* batch, smoothed and training losses; training and test accuracies */
    g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 3);
    g_assert_cmpuint (dl_chart_get_n_series (accuracy_chart), ==, 2);
    g_assert_cmpuint (dl_chart_get_n_points (accuracy_chart, 1), ==, 2);
    g_assert_null (strstr (dl_chart_get_summary (accuracy_chart), "validation"));
    g_assert_null (strstr (dl_chart_get_summary (loss_chart), "validation"));
  }
  description = g_strdup (dl_session_get_model_description (dl_window_get_session (window)));
  settle_and_close (window);
  g_settings_reset (settings, "train-on-all");

  store = nn_run_store_new (NULL, &error);
  g_assert_no_error (error);
  run = nn_run_store_load (store, id, &error);
  g_assert_no_error (error);
  g_assert_true (run->recipe.extras.train_on_all);
  g_assert_true (isnan (run->best_val_accuracy));
  for (guint e = 0; e < run->n_epochs; e++)
    g_assert_true (isnan (run->epochs[e].stats.val_accuracy));

  /* a window that opens on the recorded run draws it the same way, and lists it honestly */
  window = make_window_remembering ();
  wait_for_model (window, description);
  {
    DlRunsPage *page = runs_page (window);
    DlTrainPage *train_page = dl_window_get_train_page (window);
    DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (train_page));
    g_autoptr(NnRunCurves) curves = load_curves (id);
    GListModel *list = G_LIST_MODEL (dl_runs_page_get_selection (page));
    gboolean listed = FALSE;

    wait_for_points (loss_chart, 0, (guint) curves->n_points);
    g_assert_cmpuint (dl_chart_get_n_series (loss_chart), ==, 3);
    g_assert_cmpuint (dl_chart_get_n_series (accuracy_chart_of (train_page)), ==, 2);
    for (guint i = 0; i < g_list_model_get_n_items (list); i++)
      {
        g_autoptr(DlRunItem) item = g_list_model_get_item (list, i);
        g_autofree char *results = NULL;

        if (g_strcmp0 (dl_run_item_get_run (item)->id, id) != 0)
          continue;
        listed = TRUE;
        g_object_get (item, "results", &results, NULL);
        g_assert_true (g_str_has_prefix (results, "Trained on all images, no held-out "
                                                  "validation · Test "));
      }
    g_assert_true (listed);
    /* to look at: the charts without validation series, the run's row */
    dl_window_set_dataset (window, noisy_bars_dataset (1000, 200));
    spin ();
    shoot (window, "train", "train-on-all-train", 1200, FALSE);
    shoot (window, "train", "train-on-all-train", 360, TRUE);
    shoot (window, "runs", "train-on-all-runs", 1200, TRUE);
    shoot (window, "runs", "train-on-all-runs", 360, FALSE);
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_DEFAULT);
  }
  settle_and_close (window);
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
  g_test_add_func ("/app/runs/remove-old", test_remove_old);
  g_test_add_func ("/app/runs/delete-undo", test_delete_undo);
  g_test_add_func ("/app/runs/resume", test_resume);
  g_test_add_func ("/app/runs/rename", test_rename);
  g_test_add_func ("/app/runs/export", test_export);
  g_test_add_func ("/app/runs/untimed", test_untimed);
  g_test_add_func ("/app/runs/record-fails", test_record_fails);
  g_test_add_func ("/app/runs/chart-cache", test_chart_cache);
  g_test_add_func ("/app/runs/chart-cache/still", test_chart_cache_still);
  g_test_add_func ("/app/runs/behind", test_behind);
  g_test_add_func ("/app/runs/train-on-all", test_train_on_all);
  /* last: it deletes a run for good */
  g_test_add_func ("/app/runs/undo-while-sliding-in", test_undo_while_sliding_in);
  /* after all the others: its runs would be the newest those find in the store */
  g_test_add_func ("/app/runs/epochs-listed", test_epochs_listed);
  status = g_test_run ();
  {
    g_autofree char *cmd = NULL;
    g_autofree char *quoted = g_shell_quote (runs_dir);

    cmd = g_strdup_printf ("rm -rf %s", quoted);
    g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  }
  return status;
}
