/* test-app.c: the app under a real display — the Draw page driven through its canvas and
 * actions, rendered to PNG, and the bundled model checked against the real test set */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "dl-application.h"
#include "dl-canvas.h"
#include "dl-chart.h"
#include "dl-confusion-matrix.h"
#include "dl-figure.h"
#include "dl-preferences.h"
#include "dl-image-list.h"
#include "dl-draw-page.h"
#include "dl-probability-chart.h"
#include "dl-renderer.h"
#include "dl-training.h"
#include "dl-window.h"
#include "dl-window-private.h"
#include "app-helpers.h"
#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-evaluate.h"
#include "nn-png.h"

/* the download tests need a local HTTP server, which only libsoup gives */
#if __has_include (<libsoup/soup.h>)
#include <libsoup/soup.h>
#include "local-server.h"
#define HAVE_SOUP 1
#else
#define HAVE_SOUP 0
#endif

static void
draw_circle (DlCanvas *canvas)
{
  double xy[2 * 41];

  for (int i = 0; i <= 40; i++)
    {
      xy[2 * i] = 0.5 + 0.22 * cos (i * 2 * G_PI / 40);
      xy[2 * i + 1] = 0.5 + 0.32 * sin (i * 2 * G_PI / 40);
    }
  draw_polyline (canvas, xy, 41);
}

static void
test_draw_page_predicts (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  DlProbabilityChart *chart = DL_PROBABILITY_CHART (dl_draw_page_get_figure (page));
  const double one[] = { 0.52, 0.15, 0.5, 0.5, 0.48, 0.85 };

  /* nothing drawn, nothing predicted */
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);

  draw_polyline (canvas, one, 3);
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, 1);
  /* what screen readers get: the prediction on the canvas, the top two on the bars */
  g_assert_true (g_str_has_prefix (dl_canvas_get_announcement (canvas), "Looks like 1, "));
  g_assert_true (g_str_has_prefix (dl_probability_chart_get_summary (chart), "Prediction 1 with "));
  g_assert_nonnull (strstr (dl_probability_chart_get_summary (chart), "%; next "));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "draw.clear", NULL));
  spin ();
  g_assert_true (dl_canvas_is_empty (canvas));
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);
  g_assert_cmpstr (dl_canvas_get_announcement (canvas), ==,
                   "Draw a digit with the mouse, a finger or a pen");
  g_assert_cmpstr (dl_probability_chart_get_summary (chart), ==, "No prediction");

  draw_circle (canvas);
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, 0);
  save_png (GTK_WIDGET (window), "draw-page.png");

  /* a second stroke, then undo brings the 0 back */
  draw_polyline (canvas, one, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "draw.undo", NULL));
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, 0);
  close_window (window);
}

/* No tablet can be emulated here: the pressure rule is a pure function, checked directly. */
static void
test_canvas_pressure (void)
{
  double mouse = dl_canvas_width_for_pressure (-1);

  g_assert_cmpfloat (dl_canvas_width_for_pressure (0.0), <, mouse);
  g_assert_cmpfloat (dl_canvas_width_for_pressure (1.0), >, mouse);
  g_assert_cmpfloat (dl_canvas_width_for_pressure (0.3), <, dl_canvas_width_for_pressure (0.7));
  g_assert_cmpfloat (dl_canvas_width_for_pressure (NAN), ==, mouse);
  g_assert_cmpfloat (dl_canvas_width_for_pressure (5.0), ==, dl_canvas_width_for_pressure (1.0));
}

static void
test_open_bad_image (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "not-a-png.png", NULL);

  g_assert_true (g_file_set_contents (path, "plain text", -1, NULL));
  g_assert_false (dl_draw_page_classify_file (page, path, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);
  close_window (window);
}


/* A fake clock for a chart: every progress report of a run comes 100 ms after the one before. */
typedef struct
{
  gint64 now;               /* µs */
  guint  n_progress;
} FakeClock;

static gint64
fake_clock_now (gpointer user_data)
{
  return ((FakeClock *) user_data)->now;
}

static void
on_progress_tick (DlTraining            *training,
                  const NnTrainProgress *progress,
                  FakeClock             *clock)
{
  clock->now += 100 * G_TIME_SPAN_MILLISECOND;
  clock->n_progress++;
}

static void
on_finished (DlTraining *training,
             gboolean    stopped,
             gboolean   *done)
{
  *done = TRUE;
}

static void
on_epoch_finished (DlTraining         *training,
                   const NnEpochStats *stats,
                   NnEpochStats       *last)
{
  *last = *stats;
}

static void
on_best_epoch (DlTraining         *training,
               const NnEpochStats *stats,
               guint              *best)
{
  if (stats->is_best)
    *best = stats->epoch;
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

/* Start a short run on generated data: the curves fill, redrawn a few times a second of
 * progress however often it comes, and the model it leaves is what the Draw page then uses.
 * (How long frames take while the app trains is bench/app-training.sh's to measure.) */
static void
test_train_page_runs (void)
{
  DlWindow *window = make_window ();
  DlTrainPage *page = dl_window_get_train_page (window);
  DlTraining *training = dl_train_page_get_training (page);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  DlChart *loss_chart = DL_CHART (dl_train_page_get_figure (page));
  FakeClock clock = { 0 };
  NnEpochStats last = { 0 };
  gboolean done = FALSE;
  guint best = 0, n_redraws;

  /* the loss axis is logarithmic by default, and the setting switches it */
  g_assert_true (dl_chart_get_y_log (DL_CHART (dl_train_page_get_figure (page))));
  g_settings_set_boolean (settings, "loss-log-scale", FALSE);
  g_assert_false (dl_chart_get_y_log (DL_CHART (dl_train_page_get_figure (page))));
  g_settings_set_boolean (settings, "loss-log-scale", TRUE);
  g_assert_true (dl_chart_get_y_log (DL_CHART (dl_train_page_get_figure (page))));

  g_settings_set_uint (settings, "epochs", 2);
  g_settings_set_uint (settings, "validation-size", 200);
  g_settings_set_string (settings, "architecture", "reference");
  dl_window_set_dataset (window, bars_dataset (4000, 500));
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_signal_connect (training, "epoch-finished", G_CALLBACK (on_epoch_finished), &last);
  g_signal_connect (training, "epoch-finished", G_CALLBACK (on_best_epoch), &best);
  /* after the page's handler, which appends the point */
  g_signal_connect (training, "progress", G_CALLBACK (on_progress_tick), &clock);
  dl_chart_set_clock (loss_chart, fake_clock_now, &clock);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  g_assert_true (dl_training_get_running (training));
  /* pause holds the worker between batches; resume lets it go on */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
  g_assert_true (dl_training_get_paused (training));
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
  g_assert_false (dl_training_get_paused (training));
  wait_for (&done, 60);
  spin ();

  /* points came 10 a second by the chart's clock; it redrew for them at most 4 times a second */
  n_redraws = dl_chart_get_n_redraws (loss_chart);
  g_test_message ("%u progress reports, %u redraws of the loss chart", clock.n_progress,
                  n_redraws);
  g_assert_cmpuint (clock.n_progress, >=, 10);
  g_assert_cmpuint (n_redraws, >=, 1);
  g_assert_cmpuint (n_redraws, <=, 1 + clock.n_progress * 100 / 250);
  dl_chart_set_clock (loss_chart, NULL, NULL);
  g_signal_handlers_disconnect_by_data (training, &clock);
  g_assert_false (dl_training_get_running (training));
  g_assert_cmpuint (dl_training_get_epochs_done (training), ==, 2);
  g_signal_handlers_disconnect_by_data (training, &last);
  g_signal_handlers_disconnect_by_data (training, &done);

  /* both charts mark the epoch the training kept */
  g_assert_cmpuint (best, >=, 1);
  g_signal_handlers_disconnect_by_data (training, &best);
  g_assert_cmpfloat (dl_chart_get_marker (DL_CHART (dl_train_page_get_figure (page))), ==, best);

  /* the loss chart tells screen readers the last epoch's real numbers */
  {
    g_autofree char *expected = g_strdup_printf ("Loss after epoch 2: training %.3f, "
                                                 "validation %.3f", last.train_loss,
                                                 last.val_loss);

    g_assert_cmpuint (last.epoch, ==, 2);
    g_assert_cmpstr (dl_chart_get_summary (DL_CHART (dl_train_page_get_figure (page))), ==,
                     expected);
  }

  /* however long a run, a draw of the loss chart goes through at most four points a pixel
   * column: 100,000 batches on a plot 328 pixels wide */
  {
    cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
    cairo_t *cr = cairo_create (surface);

    dl_chart_clear (loss_chart);
    for (guint k = 0; k < 100000; k++)
      dl_chart_append (loss_chart, 0, 2.0 * k / 100000, 0.5 + 0.4 * sin (k));
    dl_chart_draw (loss_chart, cr, 400, 300);
    g_assert_cmpuint (dl_chart_get_n_drawn_points (loss_chart), >=, 328);
    g_assert_cmpuint (dl_chart_get_n_drawn_points (loss_chart), <=, 4 * 329);
    cairo_destroy (cr);
    cairo_surface_destroy (surface);
  }

  /* the bars were learnt: a drawn vertical bar at class 7's place is a 7 */
  {
    DlDrawPage *draw = dl_window_get_draw_page (window);
    DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (draw));
    g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "bar7.png", NULL);
    guint8 pixels[28 * 28] = { 0 };
    g_autoptr(GError) error = NULL;

    for (int t = 4; t < 24; t++)
      pixels[t * 28 + 16] = 250;
    g_assert_true (nn_png_save_gray (png, pixels, 28, 28, 28, NULL));
    /* a file goes through the same preprocessing as the canvas */
    g_assert_true (dl_draw_page_classify_file (draw, png, &error));
    g_assert_no_error (error);
    g_assert_cmpint (dl_draw_page_get_prediction (draw), >=, 0);
    g_assert_true (dl_canvas_is_empty (canvas));
  }
  close_window (window);
}

/* Closing while training asks first: the window stays until the run has stopped. */
static void
test_close_during_training (void)
{
  DlWindow *window = make_window ();
  DlTrainPage *page = dl_window_get_train_page (window);
  DlTraining *training = dl_train_page_get_training (page);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  gboolean done = FALSE;
  gpointer weak = window;

  g_settings_set_uint (settings, "epochs", 50);
  g_settings_set_uint (settings, "validation-size", 200);
  dl_window_set_dataset (window, bars_dataset (2000, 200));
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_close (GTK_WINDOW (window));
  spin ();
  g_assert_nonnull (weak);
  g_assert_true (dl_training_get_running (training));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.stop-training", NULL));
  wait_for (&done, 30);
  g_object_remove_weak_pointer (G_OBJECT (window), &weak);
  close_window (window);
}

static void
on_failed (DlTraining *training,
           const char *message,
           char      **failure)
{
  *failure = g_strdup (message);
}

/* The worker builds a new run's trainer (the training images' statistics grow with the
 * dataset): a recipe's errors still come at once, and what only building the trainer finds
 * comes as "failed", the run over and no model left. */
static void
test_training_setup_fails (void)
{
  g_autoptr(DlTraining) training = dl_training_new ();
  g_autoptr(NnDataset) ds = bars_dataset (200, 50);
  g_autofree char *failure = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  NnTrainConfig config;
  gboolean running = TRUE;

  nn_train_config_init (&config);
  config.spec = g_strdup (NN_SPEC_REFERENCE);
  config.epochs = 1;
  config.batch_size = 16;
  config.validation_size = 50;
  config.n_threads = 1;

  /* a validation split as large as the training file: refused before any thread starts */
  config.validation_size = 200;
  g_assert_false (dl_training_start (training, &config, ds, &error));
  g_assert_error (error, NN_TRAINER_ERROR, NN_TRAINER_ERROR_BAD_CONFIG);
  g_assert_true (g_str_has_prefix (error->message, "Cannot train: "));
  g_assert_false (dl_training_get_running (training));
  g_clear_error (&error);
  config.validation_size = 50;

  /* every training pixel of one value: nothing to normalise by, found while building */
  memset (ds->train->pixels, 7, ds->train->n_images * 784);
  g_signal_connect (training, "failed", G_CALLBACK (on_failed), &failure);
  g_assert_true (dl_training_start (training, &config, ds, &error));
  g_assert_no_error (error);
  g_assert_true (dl_training_get_running (training));
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (failure == NULL && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_nonnull (failure);
  g_assert_cmpstr (failure, ==, "Cannot train: every training pixel has the same value");
  g_object_get (training, "running", &running, NULL);
  g_assert_false (running);
  model = dl_training_dup_model (training, &error);
  g_assert_null (model);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  nn_train_config_clear (&config);
}

static void
on_cell_activated (DlConfusionMatrix *matrix,
                   int                row,
                   int                col,
                   int               *cell)
{
  *cell = row * 10 + col;
}

/* Evaluate the bundled model on generated data: the counts add up and cells list their images */
static void
test_evaluate_page (void)
{
  DlWindow *window = make_window ();
  DlEvaluatePage *page = dl_window_get_evaluate_page (window);
  const NnEvaluation *ev;
  guint64 total = 0;
  gint64 end;

  dl_window_set_dataset (window, bars_dataset (100, 300));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "evaluate.run", NULL));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_evaluate_page_get_evaluation (page) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  ev = dl_evaluate_page_get_evaluation (page);
  g_assert_nonnull (ev);
  g_assert_cmpuint (ev->n_samples, ==, 300);
  for (size_t i = 0; i < 100; i++)
    total += ev->confusion[i];
  g_assert_cmpuint (total, ==, 300);
  for (int l = 0; l < 10; l++)
    for (int p = 0; p < 10; p++)
      if (l != p)
        g_assert_cmpuint (dl_evaluate_page_show_cell (page, l, p), ==,
                          MIN (ev->confusion[l * 10 + p], 48));
  spin ();
  save_png (GTK_WIDGET (window), "evaluate-page.png");

  /* the matrix tells screen readers its most confused pair, with the real count */
  {
    DlConfusionMatrix *matrix = DL_CONFUSION_MATRIX (dl_evaluate_page_get_figure (page));
    g_autofree char *pair = NULL;
    g_autofree char *right = NULL;
    g_autofree char *selected = NULL;
    guint best = 0;
    int activated = -1;

    for (guint i = 0; i < 100; i++)
      if (i / 10 != i % 10 && ev->confusion[i] > ev->confusion[best])
        best = i;
    g_assert_cmpuint (ev->confusion[best], >, 1);
    pair = g_strdup_printf ("Most confused: %u predicted as %u, %u images", best / 10, best % 10,
                            ev->confusion[best]);
    right = g_strdup_printf ("%zu of 300 images recognised", ev->n_samples - ev->n_mistakes);
    g_test_message ("%s", dl_confusion_matrix_get_summary (matrix));
    g_assert_nonnull (strstr (dl_confusion_matrix_get_summary (matrix), pair));
    g_assert_nonnull (strstr (dl_confusion_matrix_get_summary (matrix), right));
    /* choosing a cell, as a click or the arrow keys do, names it and lists its images */
    g_signal_connect (matrix, "cell-activated", G_CALLBACK (on_cell_activated), &activated);
    dl_confusion_matrix_activate_cell (matrix, best / 10, best % 10);
    g_signal_handlers_disconnect_by_data (matrix, &activated);
    selected = g_strdup_printf ("Selected: %u predicted as %u", best / 10, best % 10);
    g_assert_nonnull (strstr (dl_confusion_matrix_get_summary (matrix), selected));
    g_assert_cmpint (activated, ==, (int) best);
  }

  /* the confusion matrix as a figure file at a chosen size, drawn afresh */
  {
    g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "figure-matrix.png", NULL);
    g_autofree guint8 *gray = NULL;
    g_autoptr(GError) error = NULL;
    size_t w, h, dark = 0;

    g_assert_true (dl_figure_export (DL_FIGURE (dl_evaluate_page_get_figure (page)), NULL, NULL,
                                     DL_FIGURE_FORMAT_PNG, 640, 480, png, &error));
    g_assert_no_error (error);
    gray = nn_png_load_gray (png, &w, &h, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (w, ==, 640);
    g_assert_cmpuint (h, ==, 480);
    for (size_t i = 0; i < w * h; i++)
      dark += gray[i] < 200;
    g_assert_cmpuint (dark, >, 1000);
    g_assert_false (dl_figure_export (DL_FIGURE (dl_evaluate_page_get_figure (page)), NULL, NULL,
                                     DL_FIGURE_FORMAT_PNG, 4, 4, png, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  }

  /* the mistakes become a filter on the Dataset page, and a thumbnail opens its image there */
  {
    DlDatasetPage *dataset_page = dl_window_get_dataset_page (window);
    GListModel *images = dl_dataset_page_get_images (dataset_page);
    const char *details;

    dl_image_list_set_filter (DL_IMAGE_LIST (images), DL_SPLIT_MISCLASSIFIED, -1);
    g_assert_cmpuint (g_list_model_get_n_items (images), ==, ev->n_mistakes);
    if (ev->n_mistakes > 0)
      {
        g_autofree char *expected = g_strdup_printf ("Test image %u\n", ev->mistakes[0].index);

        g_signal_emit_by_name (page, "open-test-image", ev->mistakes[0].index);
        details = dl_dataset_page_select (dataset_page, ev->mistakes[0].index);
        g_assert_true (g_str_has_prefix (details, expected));
      }
  }
  close_window (window);
}

/* The grid holds every image without a widget each; filters narrow it; selection explains one */
static void
test_dataset_page (void)
{
  DlWindow *window = make_window ();
  DlDatasetPage *page = dl_window_get_dataset_page (window);
  GListModel *images = dl_dataset_page_get_images (page);
  const char *details;

  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 0);
  dl_window_set_dataset (window, bars_dataset (600, 150));
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 750);
  dl_image_list_set_filter (DL_IMAGE_LIST (images), DL_SPLIT_TEST, -1);
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 150);
  dl_image_list_set_filter (DL_IMAGE_LIST (images), DL_SPLIT_ALL, 3);
  g_assert_cmpuint (g_list_model_get_n_items (images), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (images), <, 750);
  details = dl_dataset_page_select (page, 0);
  g_assert_nonnull (strstr (details, "Label 3"));
  g_assert_nonnull (strstr (details, "predicted"));
  spin ();
  close_window (window);
}

/* Open a saved model folder, refuse a broken one, export for the Hub from the app */
static void
test_models_and_export (void)
{
  DlWindow *window = make_window ();
  g_autofree char *dir = fixture_dir ();
  g_autofree char *model_dir = g_build_filename (dir, "model", NULL);
  g_autofree char *hub_dir = g_build_filename (dir, "hub", NULL);
  g_autofree char *card = g_build_filename (hub_dir, "README.md", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("flatten dense(10)", NULL);
  NnNormalisation norm = { 0.1f, 0.3f };
  const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  g_autoptr(NnModel) model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "bars", names, 1, &error);
  gint64 end;

  g_assert_no_error (error);
  g_assert_true (nn_model_save (model, model_dir, &error));
  g_assert_true (dl_window_open_model (window, model_dir, &error));
  g_assert_no_error (error);

  g_assert_cmpint (g_mkdir (junk, 0755), ==, 0);
  g_assert_false (dl_window_open_model (window, junk, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* no dataset yet: nothing to measure the card's numbers on */
  g_assert_false (dl_window_export (window, hub_dir, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  dl_window_set_dataset (window, bars_dataset (100, 200));
  g_assert_true (dl_window_export (window, hub_dir, &error));
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!g_file_test (card, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_test (card, G_FILE_TEST_EXISTS));
  spin ();
  close_window (window);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    g_assert_cmpint (system (cmd), ==, 0);
  }
}

static void
count_signal (guint *n)
{
  (*n)++;
}

/* A window nobody touches asks for no frames: an animation running anywhere, even on a page not
 * shown (the Explore page's spinner once turned on behind its report), makes the frame clock
 * lay the window out sixty times a second, time taken from a training run. */
static void
assert_window_at_rest (DlWindow *window)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (window));
  guint n_layouts = 0, n_paints = 0;
  gulong layout_id, paint_id;
  gint64 end;

  g_assert_nonnull (clock);
  /* what the last change asked for is drawn first */
  end = g_get_monotonic_time () + 300 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  layout_id = g_signal_connect_swapped (clock, "layout", G_CALLBACK (count_signal), &n_layouts);
  paint_id = g_signal_connect_swapped (clock, "paint", G_CALLBACK (count_signal), &n_paints);
  end = g_get_monotonic_time () + 500 * G_TIME_SPAN_MILLISECOND;
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_signal_handler_disconnect (clock, layout_id);
  g_signal_handler_disconnect (clock, paint_id);
  g_test_message ("at rest for 0.5 s: %u layouts, %u paints", n_layouts, n_paints);
  g_assert_cmpuint (n_layouts, ==, 0);
  /* a text cursor may blink */
  g_assert_cmpuint (n_paints, <=, 3);
}

/* The report is computed off the main thread and shown; replacing the dataset drops the old one */
static void
test_explore_page (void)
{
  DlWindow *window = make_window ();
  DlExplorePage *page = dl_window_get_explore_page (window);
  const NnReport *report;
  gint64 end;

  dl_window_set_dataset (window, bars_dataset (300, 100));
  dl_window_set_dataset (window, bars_dataset (200, 50));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_explore_page_get_report (page) == NULL && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  report = dl_explore_page_get_report (page);
  g_assert_nonnull (report);
  g_assert_cmpuint (report->splits[0].n_images, ==, 200);
  g_assert_cmpuint (report->splits[1].n_images, ==, 50);
  /* the class chart tells screen readers the largest class of the training split */
  {
    const char *summary = dl_chart_get_summary (DL_CHART (dl_explore_page_get_figure (page)));
    g_autofree char *expected = NULL;
    size_t most = 0;

    for (size_t k = 0; k < report->n_classes; k++)
      if (report->splits[0].class_counts[k] > report->splits[0].class_counts[most])
        most = k;
    expected = g_strdup_printf ("Training: most images in class %s (%.1f%%)",
                                report->class_names[most],
                                100.0 * report->splits[0].class_counts[most] / 200);
    g_test_message ("%s", summary);
    g_assert_true (g_str_has_prefix (summary, expected));
  }
  spin ();
  assert_window_at_rest (window);
  close_window (window);
}

/* The readout under the pointer names each series' nearest point */
static void
test_chart_readout (void)
{
  g_autoptr(GtkWidget) chart = g_object_ref_sink (dl_chart_new ("epoch", "loss"));
  guint a = dl_chart_add_series (DL_CHART (chart), "training", "orange", DL_CHART_MARKERS);
  guint b = dl_chart_add_series (DL_CHART (chart), "validation", "green", DL_CHART_LINE);
  g_autofree char *text = NULL;
  g_autofree char *empty = NULL;

  dl_chart_append (DL_CHART (chart), a, 1, 0.5);
  dl_chart_append (DL_CHART (chart), a, 2, 0.25);
  dl_chart_append (DL_CHART (chart), b, 1, 0.75);
  dl_chart_append (DL_CHART (chart), b, NAN, 1);     /* not finite: ignored */
  g_assert_cmpuint (dl_chart_get_n_points (DL_CHART (chart), b), ==, 1);
  text = dl_chart_dup_readout (DL_CHART (chart), 1.8);
  g_assert_cmpstr (text, ==, "training 2: 0.25\nvalidation 1: 0.75");
  /* the owner's summary is the accessible description; clearing says there is no data */
  dl_chart_set_summary (DL_CHART (chart), "Loss after epoch 2: 0.250");
  g_assert_cmpstr (dl_chart_get_summary (DL_CHART (chart)), ==, "Loss after epoch 2: 0.250");
  dl_chart_clear (DL_CHART (chart));
  empty = dl_chart_dup_readout (DL_CHART (chart), 1.8);
  g_assert_cmpstr (empty, ==, "");
  g_assert_cmpstr (dl_chart_get_summary (DL_CHART (chart)), ==, "No data yet");
}

/* Renders chart at 400 × 300 and returns the row (from the top) of the first pixel in column x
 * whose colour is close to (r, g, b), or −1. */
static int
find_row_of_colour (DlChart *chart,
                    int      x,
                    guint8   r,
                    guint8   g,
                    guint8   b)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
  cairo_t *cr = cairo_create (surface);
  int found = -1;

  dl_chart_draw (chart, cr, 400, 300);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  for (int y = 0; y < 300 && found < 0; y++)
    {
      const guint8 *row = cairo_image_surface_get_data (surface) +
                          (size_t) y * cairo_image_surface_get_stride (surface);
      guint32 px = *(const guint32 *) (row + 4 * x);

      /* opaque pixels only: premultiplied ARGB equals straight RGB there */
      if ((px >> 24) == 0xff && ABS ((int) ((px >> 16) & 0xff) - r) < 8 &&
          ABS ((int) ((px >> 8) & 0xff) - g) < 8 && ABS ((int) (px & 0xff) - b) < 8)
        found = y;
    }
  cairo_surface_destroy (surface);
  return found;
}

/* Percent axes read out percentages; a logarithmic axis places values by decade */
static void
test_chart_scales (void)
{
  g_autoptr(GtkWidget) chart = g_object_ref_sink (dl_chart_new ("epoch", "loss"));
  guint a = dl_chart_add_series (DL_CHART (chart), "loss", "red", DL_CHART_LINE);
  g_autofree char *percent = NULL;
  g_autofree char *plain = NULL;
  int plot_top = 28, plot_bottom = 300 - 40, linear_row, log_row, high_row;


  /* accuracy-style values as fractions */
  dl_chart_append (DL_CHART (chart), a, 1, 0.9879);
  dl_chart_set_y_percent (DL_CHART (chart), TRUE);
  percent = dl_chart_dup_readout (DL_CHART (chart), 1);
  g_assert_cmpstr (percent, ==, "loss 1: 98.79%");
  dl_chart_set_y_percent (DL_CHART (chart), FALSE);
  plain = dl_chart_dup_readout (DL_CHART (chart), 1);
  g_assert_cmpstr (plain, ==, "loss 1: 0.9879");

  /* a flat line at 0.1 over the range 0.01 … 1: two decades, so halfway up on a log axis, and
   * near the bottom (a tenth of the way up, over 0 … 1) on a linear axis */
  dl_chart_clear (DL_CHART (chart));
  dl_chart_set_x_range (DL_CHART (chart), 0, 10);
  for (int x = 0; x <= 10; x++)
    dl_chart_append (DL_CHART (chart), a, x, 0.1);
  dl_chart_set_y_range (DL_CHART (chart), 0, 1);
  linear_row = find_row_of_colour (DL_CHART (chart), 200, 0xe0, 0x1b, 0x24);
  g_assert_cmpint (ABS (linear_row - (plot_bottom - (plot_bottom - plot_top) / 10)), <=, 2);
  dl_chart_set_y_range (DL_CHART (chart), 0.01, 1);
  dl_chart_set_y_log (DL_CHART (chart), TRUE);
  g_assert_true (dl_chart_get_y_log (DL_CHART (chart)));
  log_row = find_row_of_colour (DL_CHART (chart), 200, 0xe0, 0x1b, 0x24);
  g_assert_cmpint (ABS (log_row - (plot_top + plot_bottom) / 2), <=, 2);

  /* the log axis spans whole decades around the data: 0.1 … 3 gives 0.1 … 10 */
  dl_chart_clear (DL_CHART (chart));
  dl_chart_set_y_range (DL_CHART (chart), NAN, NAN);
  dl_chart_append (DL_CHART (chart), a, 0, 0.1);
  for (int x = 1; x <= 10; x++)
    dl_chart_append (DL_CHART (chart), a, x, 3);
  high_row = find_row_of_colour (DL_CHART (chart), 200, 0xe0, 0x1b, 0x24);
  g_assert_cmpint (ABS (high_row - (plot_bottom - (int) ((plot_bottom - plot_top) *
                                                         (log10 (3) + 1) / 2))), <=, 2);
  /* 0 has no place on a log axis: it breaks the line instead of pulling it to −∞ */
  dl_chart_clear (DL_CHART (chart));
  dl_chart_append (DL_CHART (chart), a, 0, 1);
  dl_chart_append (DL_CHART (chart), a, 5, 0);
  dl_chart_append (DL_CHART (chart), a, 10, 1);
  g_assert_cmpint (find_row_of_colour (DL_CHART (chart), 200, 0xe0, 0x1b, 0x24), ==, -1);
  dl_chart_set_y_log (DL_CHART (chart), FALSE);
  g_assert_cmpint (find_row_of_colour (DL_CHART (chart), 200, 0xe0, 0x1b, 0x24), >, 0);
}

/* An empty chart says so in its plot; once there is data, the placeholder is gone */
static void
test_chart_placeholder (void)
{
  g_autoptr(GtkWidget) chart = g_object_ref_sink (dl_chart_new ("epoch", "loss"));
  guint a = dl_chart_add_series (DL_CHART (chart), "loss", "red", DL_CHART_LINE);
  cairo_surface_t *surface;
  cairo_t *cr;
  int inked[2];

  for (int with_data = 0; with_data < 2; with_data++)
    {
      if (with_data)
        {
          dl_chart_set_placeholder (DL_CHART (chart), "Start training");
          dl_chart_append (DL_CHART (chart), a, 0, 0.2);
        }
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 300);
      cr = cairo_create (surface);
      dl_chart_draw (DL_CHART (chart), cr, 400, 300);
      cairo_destroy (cr);
      cairo_surface_flush (surface);
      /* count drawn pixels in a band around the plot's centre, away from the line at 0.2 */
      inked[with_data] = 0;
      for (int y = 134; y < 154; y++)
        for (int x = 100; x < 320; x++)
          inked[with_data] += cairo_image_surface_get_data (surface)
                                [(size_t) y * cairo_image_surface_get_stride (surface) + 4 * x + 3] > 0;
      cairo_surface_destroy (surface);
    }
  g_assert_cmpint (inked[0], >, 50);    /* "No data yet" */
  g_assert_cmpint (inked[1], ==, 0);
}

/* The style preference reaches libadwaita, and the Preferences window edits it */
static void
test_preferences_style (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkWidget *prefs;
  gpointer weak;

  dl_preferences_bind_style (settings);
  g_settings_set_string (settings, "color-scheme", "dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));
  g_settings_set_string (settings, "color-scheme", "light");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_LIGHT);

  prefs = dl_preferences_new (NULL);
  gtk_window_present (GTK_WINDOW (prefs));
  spin ();
  weak = prefs;
  g_object_add_weak_pointer (G_OBJECT (prefs), &weak);
  gtk_window_destroy (GTK_WINDOW (prefs));
  spin ();
  g_assert_null (weak);
  g_settings_set_string (settings, "color-scheme", "default");
}

/* The bundled model still classifies the real test set at the accuracy recorded with it. */
static void
test_bundled_model_accuracy (void)
{
  const char *dir = g_getenv ("DIGIT_LAB_MNIST_DIR");
  g_autoptr(GBytes) config = NULL;
  g_autoptr(GBytes) weights = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnDataset) ds = NULL;
  g_autoptr(NnEvaluation) ev = NULL;
  gsize cl, wl;
  const char *c;
  const guint8 *w;

  config = g_resources_lookup_data ("/io/github/digitlab/DigitLab/model/config.json", 0, &error);
  g_assert_no_error (error);
  weights = g_resources_lookup_data ("/io/github/digitlab/DigitLab/model/model.safetensors", 0,
                                     &error);
  g_assert_no_error (error);
  c = g_bytes_get_data (config, &cl);
  w = g_bytes_get_data (weights, &wl);
  model = nn_model_load_from_data (c, cl, w, wl, 2, &error);
  g_assert_no_error (error);
  g_assert_true (isfinite (model->test_accuracy));

  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      if (g_getenv ("DIGIT_LAB_REQUIRE_MNIST") != NULL)
        g_error ("DIGIT_LAB_MNIST_DIR does not name the MNIST folder, but the real data is required");
      g_test_skip ("needs the real MNIST: set DIGIT_LAB_MNIST_DIR");
      return;
    }
  ds = nn_dataset_load_dir (dir, &error);
  g_assert_no_error (error);
  ev = nn_evaluate_images (model->net, ds->test, NULL, 0, &model->norm);
  g_test_message ("bundled model: %.4f, recorded %.4f", ev->accuracy, model->test_accuracy);
  g_assert_cmpfloat_with_epsilon (ev->accuracy, model->test_accuracy, 1e-9);
}

/* Open With from the file manager goes through GApplication::open: a model.safetensors makes its
 * model the one in use, so do weights alone under any name (they carry their configuration),
 * files that are not safetensors are refused and change nothing, and a PNG is classified on the
 * Draw page with whichever model is in use. */
static void
test_application_open_files (void)
{
  g_autoptr(DlApplication) app = dl_application_new ();
  g_autofree char *dir = fixture_dir ();
  g_autofree char *model_dir = g_build_filename (dir, "model", NULL);
  g_autofree char *bad_dir = g_build_filename (dir, "bad", NULL);
  g_autofree char *weights_path = g_build_filename (model_dir, "model.safetensors", NULL);
  g_autofree char *other_dir = g_build_filename (dir, "other", NULL);
  g_autofree char *foreign_path = g_build_filename (other_dir, "weights.safetensors", NULL);
  g_autofree char *bad_path = g_build_filename (bad_dir, "model.safetensors", NULL);
  g_autofree char *png_path = g_build_filename (dir, "bar.png", NULL);
  g_autoptr(GFile) weights = g_file_new_for_path (weights_path);
  g_autoptr(GFile) foreign = g_file_new_for_path (foreign_path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("flatten dense(10)", &error);
  g_autoptr(NnModel) model = NULL;
  g_autoptr(NnModel) other = NULL;
  g_autofree float *params = NULL;
  const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  NnNormalisation norm = { 0.1f, 0.3f };
  guint8 pixels[28 * 28] = { 0 };
  DlWindow *window;
  DlDrawPage *page;
  int before, wanted;

  g_assert_no_error (error);
  for (int t = 4; t < 24; t++)
    pixels[t * 28 + 14] = 250;
  g_assert_true (nn_png_save_gray (png_path, pixels, 28, 28, 28, NULL));

  /* like `digit-lab FILE`, without the main loop: register, then open */
  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  /* a PNG, with the bundled model */
  g_application_open (G_APPLICATION (app), &png, 1, "");
  spin ();
  window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  wait_for_opening (window);
  page = dl_window_get_draw_page (window);
  before = dl_draw_page_get_prediction (page);
  g_assert_cmpint (before, >=, 0);

  /* a model that answers one class, never the bundled model's answer, whatever the input */
  wanted = (before + 5) % 10;
  params = g_new0 (float, 28 * 28 * 10 + 10);
  params[28 * 28 * 10 + wanted] = 10.0f;
  model = nn_model_new (spec, 1, 28, 28, params, &norm, "bars", names, 1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_save (model, model_dir, &error));
  g_assert_no_error (error);
  /* and one that answers another class */
  params[28 * 28 * 10 + wanted] = 0.0f;
  params[28 * 28 * 10 + (wanted + 1) % 10] = 10.0f;
  other = nn_model_new (spec, 1, 28, 28, params, &norm, "bars", names, 1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_save (other, other_dir, &error));
  g_assert_no_error (error);

  g_application_open (G_APPLICATION (app), &weights, 1, "");
  wait_for_opening (window);
  g_assert_true (gtk_application_get_active_window (GTK_APPLICATION (app)) == GTK_WINDOW (window));
  g_application_open (G_APPLICATION (app), &png, 1, "");
  wait_for_opening (window);
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, wanted);

  /* refused, the model in use stays: files that are not safetensors, whatever their name */
  g_assert_cmpint (g_mkdir (bad_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (bad_path, "not safetensors", -1, NULL));
  g_assert_true (g_file_set_contents (foreign_path, "not safetensors", -1, NULL));
  {
    GFile *refused[] = { bad, foreign };

    g_application_open (G_APPLICATION (app), refused, G_N_ELEMENTS (refused), "");
  }
  wait_for_opening (window);
  g_application_open (G_APPLICATION (app), &png, 1, "");
  wait_for_opening (window);
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, wanted);

  /* weights alone under another name, as a sandboxed app receives them from a file manager:
   * they carry their configuration, and become the model in use */
  {
    g_autofree char *other_weights = g_build_filename (other_dir, "model.safetensors", NULL);
    g_autofree char *lone_path = g_build_filename (bad_dir, "digits.safetensors", NULL);
    g_autofree char *bytes = NULL;
    g_autoptr(GFile) lone = g_file_new_for_path (lone_path);
    gsize length;

    g_assert_true (g_file_get_contents (other_weights, &bytes, &length, NULL));
    g_assert_true (g_file_set_contents (lone_path, bytes, (gssize) length, NULL));
    g_application_open (G_APPLICATION (app), &lone, 1, "");
    g_application_open (G_APPLICATION (app), &png, 1, "");
    wait_for_opening (window);
    g_assert_cmpint (dl_draw_page_get_prediction (page), ==, (wanted + 1) % 10);
  }

  close_window (window);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* The status pages of the data pages, and what the tests below look for in them */

#define N_FIXTURE_TRAIN 120
#define N_FIXTURE_TEST 30

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until check () holds or the deadline passes; never blocks for long. */
static gboolean
spin_until (gboolean (*check) (gpointer data),
            gpointer   data,
            double     seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint id = g_timeout_add (20, wake_up, NULL);
  gboolean ok;

  while (!(ok = check (data)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return ok;
}

static gboolean
status_has_error (gpointer data)
{
  return dl_dataset_status_get_error (data) != NULL;
}

static gboolean
status_is_idle (gpointer data)
{
  return dl_dataset_status_get_progress (data) < 0;
}

static gboolean
status_has_bytes (gpointer data)
{
  return dl_dataset_status_get_progress (data) > 0;
}

static gboolean
all_images_listed (gpointer data)
{
  return g_list_model_get_n_items (data) == N_FIXTURE_TRAIN + N_FIXTURE_TEST;
}

/* The status page of each of the four data pages. */
static void
get_statuses (DlWindow        *window,
              DlDatasetStatus *statuses[4])
{
  statuses[0] = dl_dataset_page_get_status (dl_window_get_dataset_page (window));
  statuses[1] = dl_explore_page_get_status (dl_window_get_explore_page (window));
  statuses[2] = dl_train_page_get_status (dl_window_get_train_page (window));
  statuses[3] = dl_evaluate_page_get_status (dl_window_get_evaluate_page (window));
}

/* The button of a status page that activates action. */
static GtkWidget *
find_action_button (GtkWidget  *widget,
                    const char *action)
{
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_action_button (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The text of the toasts on show, one a line. */
static void
collect_toasts (GtkWidget *widget,
                gboolean   in_toast,
                GString   *text)
{
  in_toast = in_toast || g_strcmp0 (G_OBJECT_TYPE_NAME (widget), "AdwToastWidget") == 0;
  if (in_toast && GTK_IS_LABEL (widget))
    g_string_append_printf (text, "%s\n", gtk_label_get_label (GTK_LABEL (widget)));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_toasts (child, in_toast, text);
}

#if HAVE_SOUP
/* Get MNIST through the window, from a local server: tiny MNIST-format files, their checksums
 * given to the window in place of the real ones. Loopback only; every wait has a deadline. */

typedef struct
{
  LocalServer      http;
  GHashTable      *files;                   /* name.gz → GBytes */
  GPtrArray       *stalled;                 /* connections answered in part, then left open */
  DlFetchChecksum  table[DL_FETCH_N_FILES];
  char            *md5[DL_FETCH_N_FILES];
} MnistServer;

/* /ok/NAME serves the file, /bad/NAME a copy with one byte changed, /stall/NAME promises the
 * whole file, sends a tenth of it and then nothing more. */
static void
on_mnist_request (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  MnistServer *s = user_data;
  g_auto(GStrv) parts = g_strsplit (path + 1, "/", 2);
  GBytes *body = parts[0] != NULL && parts[1] != NULL ? g_hash_table_lookup (s->files, parts[1])
                                                      : NULL;
  gsize size;
  const char *data;

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  data = g_bytes_get_data (body, &size);
  if (g_strcmp0 (parts[0], "stall") == 0)
    {
      GIOStream *conn = soup_server_message_steal_connection (msg);
      GOutputStream *out = g_io_stream_get_output_stream (conn);
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
                                               size);

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, data, size / 10, NULL, NULL, NULL);
      g_output_stream_flush (out, NULL, NULL);
      g_mutex_lock (&s->http.lock);
      g_ptr_array_add (s->stalled, conn);
      g_mutex_unlock (&s->http.lock);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (g_strcmp0 (parts[0], "bad") == 0)
    {
      char *copy = g_memdup2 (data, size);

      copy[size / 2] ^= 0x55;
      soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_TAKE, copy, size);
    }
  else
    soup_server_message_set_response (msg, "application/gzip", SOUP_MEMORY_COPY, data, size);
}

/* The four files as fixture_write_split () writes them, gzipped, kept in memory. */
static MnistServer *
mnist_server_start (void)
{
  MnistServer *s = g_new0 (MnistServer, 1);
  g_autofree char *dir = fixture_dir ();

  s->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  s->stalled = g_ptr_array_new_with_free_func (g_object_unref);
  fixture_write_split (dir, "train", N_FIXTURE_TRAIN, 28, 28, 10, TRUE, 11);
  fixture_write_split (dir, "t10k", N_FIXTURE_TEST, 28, 28, 10, TRUE, 12);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    {
      g_autofree char *name = g_strconcat (dl_fetch_mnist_checksums[i].name, ".gz", NULL);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GError) error = NULL;
      char *contents;
      gsize size;

      g_assert_true (g_file_get_contents (path, &contents, &size, &error));
      g_assert_no_error (error);
      s->md5[i] = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents, size);
      s->table[i].name = dl_fetch_mnist_checksums[i].name;
      s->table[i].gz_md5 = s->md5[i];
      s->table[i].raw_sha256 = "unused";
      g_hash_table_insert (s->files, g_steal_pointer (&name), g_bytes_new_take (contents, size));
    }
  fixture_remove_dir (dir);

  local_server_start (&s->http, on_mnist_request, s);
  return s;
}

static void
mnist_server_stop (MnistServer *s)
{
  local_server_stop (&s->http);
  for (guint i = 0; i < s->stalled->len; i++)
    g_io_stream_close (g_ptr_array_index (s->stalled, i), NULL, NULL);
  g_ptr_array_unref (s->stalled);
  g_hash_table_unref (s->files);
  for (int i = 0; i < DL_FETCH_N_FILES; i++)
    g_free (s->md5[i]);
  g_free (s);
}

/* A window whose Get MNIST fetches from folder of the server into a new, empty data folder. */
static DlWindow *
make_fetch_window (MnistServer *s,
                   const char  *folder,
                   char       **data_dir)
{
  g_autofree char *mirror = g_strconcat (s->http.base, folder, "/", NULL);
  const char *mirrors[] = { mirror, NULL };
  DlWindow *window;

  *data_dir = fixture_dir ();
  g_setenv ("DIGIT_LAB_DATA_DIR", *data_dir, TRUE);
  window = make_window ();
  dl_window_set_fetch_source (window, mirrors, s->table);
  return window;
}

static void
end_fetch_window (DlWindow *window,
                  char     *data_dir)
{
  close_window (window);
  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  fixture_remove_dir (data_dir);
  g_free (data_dir);
}

static void
on_progress_text (DlDatasetStatus *status,
                  GParamSpec      *pspec,
                  GPtrArray       *texts)
{
  const char *text = dl_dataset_status_get_progress_text (status);

  if (text != NULL && (texts->len == 0 ||
                       g_strcmp0 (g_ptr_array_index (texts, texts->len - 1), text) != 0))
    g_ptr_array_add (texts, g_strdup (text));
}

/* No dataset: Get MNIST downloads, every status page shows the same progress, then the pages
 * show the images that came. */
static void
test_get_mnist_download (void)
{
  MnistServer *s = mnist_server_start ();
  char *data_dir;
  DlWindow *window = make_fetch_window (s, "ok", &data_dir);
  DlDatasetStatus *statuses[4];
  GListModel *images = dl_dataset_page_get_images (dl_window_get_dataset_page (window));
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  gboolean saw_file = FALSE;

  get_statuses (window, statuses);
  for (int i = 0; i < 4; i++)
    {
      g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (statuses[i])));
      g_assert_cmpfloat (dl_dataset_status_get_progress (statuses[i]), <, 0);
    }
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 0);
  g_signal_connect (statuses[2], "notify::progress-text", G_CALLBACK (on_progress_text), texts);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.get-mnist", NULL));
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (dl_dataset_status_get_progress (statuses[i]), >=, 0);
      g_assert_cmpstr (dl_dataset_status_get_progress_text (statuses[i]), ==,
                       dl_dataset_status_get_progress_text (statuses[0]));
    }
  g_assert_true (spin_until (all_images_listed, images, 30));
  g_assert_true (spin_until (status_is_idle, statuses[0], 10));
  spin ();

  /* the pages moved on to the data; nothing is left running or reported */
  for (int i = 0; i < 4; i++)
    {
      g_assert_false (gtk_widget_get_child_visible (GTK_WIDGET (statuses[i])));
      g_assert_cmpfloat (dl_dataset_status_get_progress (statuses[i]), <, 0);
      g_assert_null (dl_dataset_status_get_error (statuses[i]));
    }
  for (guint i = 0; i < texts->len; i++)
    saw_file = saw_file || g_str_has_prefix (g_ptr_array_index (texts, i), "File 4 of 4 · ");
  g_assert_true (saw_file);
  g_assert_cmpuint (count_entries (data_dir), ==, 4);
  g_signal_handlers_disconnect_by_data (statuses[2], texts);
  end_fetch_window (window, data_dir);
  mnist_server_stop (s);
}

/* Files that do not match their checksums: an error on every status page and in a toast, and
 * nothing kept in the data folder. */
static void
test_get_mnist_bad_checksum (void)
{
  MnistServer *s = mnist_server_start ();
  char *data_dir;
  DlWindow *window = make_fetch_window (s, "bad", &data_dir);
  DlDatasetStatus *statuses[4];
  g_autoptr(GString) toasts = g_string_new (NULL);
  const char *error;

  get_statuses (window, statuses);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.get-mnist", NULL));
  g_assert_true (spin_until (status_has_error, statuses[0], 30));
  spin ();
  error = dl_dataset_status_get_error (statuses[0]);
  g_test_message ("shown: %s", error);
  g_assert_true (g_str_has_prefix (error, "Could not get MNIST: "));
  /* in plain words, with the technical reason behind it as the tooltip */
  g_assert_nonnull (strstr (error, "damaged"));
  g_assert_null (strstr (error, "http"));
  g_assert_nonnull (strstr (dl_dataset_status_get_error_details (statuses[0]), "wrong checksum"));
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpstr (dl_dataset_status_get_error (statuses[i]), ==, error);
      g_assert_cmpfloat (dl_dataset_status_get_progress (statuses[i]), <, 0);
      g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (statuses[i])));
    }
  collect_toasts (GTK_WIDGET (window), FALSE, toasts);
  g_assert_nonnull (strstr (toasts->str, error));
  g_assert_cmpuint (count_entries (data_dir), ==, 0);
  /* Get MNIST may be tried again */
  g_assert_true (gtk_widget_is_sensitive (find_action_button (GTK_WIDGET (statuses[0]),
                                                              "win.get-mnist")));
  end_fetch_window (window, data_dir);
  mnist_server_stop (s);
}

/* Cancel while the server holds the first file back: no partial file, and the status pages are
 * as they were before, with no error. */
static void
test_get_mnist_cancel (void)
{
  MnistServer *s = mnist_server_start ();
  char *data_dir;
  DlWindow *window = make_fetch_window (s, "stall", &data_dir);
  DlDatasetStatus *statuses[4];
  GtkWidget *get_button, *cancel_button;
  g_autoptr(GString) toasts = g_string_new (NULL);

  get_statuses (window, statuses);
  get_button = find_action_button (GTK_WIDGET (statuses[1]), "win.get-mnist");
  cancel_button = find_action_button (GTK_WIDGET (statuses[1]), "win.cancel-download");
  g_assert_true (gtk_widget_is_sensitive (get_button));
  g_assert_false (gtk_widget_is_sensitive (cancel_button));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.get-mnist", NULL));
  /* part of the first file has arrived; the rest never will */
  g_assert_true (spin_until (status_has_bytes, statuses[1], 15));
  g_assert_true (g_str_has_prefix (dl_dataset_status_get_progress_text (statuses[1]),
                                   "File 1 of 4 · "));
  g_assert_false (gtk_widget_is_sensitive (get_button));
  g_assert_true (gtk_widget_is_sensitive (cancel_button));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.cancel-download", NULL));
  g_assert_true (spin_until (status_is_idle, statuses[1], 10));
  spin ();
  for (int i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (dl_dataset_status_get_progress (statuses[i]), <, 0);
      g_assert_null (dl_dataset_status_get_progress_text (statuses[i]));
      g_assert_null (dl_dataset_status_get_error (statuses[i]));
      g_assert_true (gtk_widget_get_child_visible (GTK_WIDGET (statuses[i])));
    }
  g_assert_true (gtk_widget_is_sensitive (get_button));
  g_assert_false (gtk_widget_is_sensitive (cancel_button));
  g_assert_cmpuint (count_entries (data_dir), ==, 0);
  collect_toasts (GTK_WIDGET (window), FALSE, toasts);
  g_assert_nonnull (strstr (toasts->str, "Download cancelled"));
  end_fetch_window (window, data_dir);
  mnist_server_stop (s);
}

#endif

/* The Fashion-MNIST button shows only where the dataset is installed, and its action with it */
static void
test_dataset_status_fashion (void)
{
  g_autofree char *fashion = fixture_dir ();
  DlDatasetStatus *statuses[4];
  DlWindow *window;

  fixture_write_split (fashion, "train", 20, 28, 28, 10, FALSE, 3);
  fixture_write_split (fashion, "t10k", 10, 28, 28, 10, FALSE, 4);
  for (int installed = 0; installed < 2; installed++)
    {
      g_setenv ("DIGIT_LAB_FASHION_DIR", installed ? fashion : "/nonexistent/fashion", TRUE);
      window = make_window ();
      get_statuses (window, statuses);
      for (int i = 0; i < 4; i++)
        {
          GtkWidget *button = find_action_button (GTK_WIDGET (statuses[i]),
                                                  "win.open-fashion-mnist");

          g_assert_cmpint (dl_dataset_status_get_fashion_available (statuses[i]), ==, installed);
          g_assert_cmpint (gtk_widget_get_visible (button), ==, installed);
          /* the action is off too, so the menu item is */
          g_assert_cmpint (gtk_widget_get_sensitive (button), ==, installed);
          g_assert_nonnull (find_action_button (GTK_WIDGET (statuses[i]), "win.open-dataset"));
        }
      close_window (window);
    }
  g_unsetenv ("DIGIT_LAB_FASHION_DIR");
  fixture_remove_dir (fashion);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

/* What pages share: each property is notified once per real change, the evaluation goes when
 * the model or the dataset it measured does, and the session lets go of everything. */
static void
test_session_properties (void)
{
  DlWindow *window = make_window ();
  g_autoptr(NnModel) bundled = nn_model_ref (dl_window_get_model (window));
  DlSession *session = dl_session_new ();
  NnDataset *dataset = bars_dataset (100, 50);
  const float probs[4] = { 0.9f, 0.1f, 0.2f, 0.8f };
  const guint8 labels[2] = { 0, 1 };
  guint n_dataset = 0, n_model = 0, n_description = 0, n_evaluation = 0, n_download = 0;

  g_signal_connect (session, "notify::dataset", G_CALLBACK (count_notify), &n_dataset);
  g_signal_connect (session, "notify::model", G_CALLBACK (count_notify), &n_model);
  g_signal_connect (session, "notify::model-description", G_CALLBACK (count_notify),
                    &n_description);
  g_signal_connect (session, "notify::evaluation", G_CALLBACK (count_notify), &n_evaluation);
  g_signal_connect (session, "notify::download-fraction", G_CALLBACK (count_notify),
                    &n_download);

  g_assert_nonnull (dl_session_get_training (session));
  g_assert_null (dl_session_get_dataset (session));
  g_assert_cmpfloat (dl_session_get_download_fraction (session), <, 0);

  dl_session_set_dataset (session, dataset);
  dl_session_set_dataset (session, dataset);
  g_assert_cmpuint (n_dataset, ==, 1);
  g_assert_true (dl_session_get_dataset (session) == dataset);

  dl_session_set_model (session, bundled, "Built-in model");
  dl_session_set_model (session, bundled, "Built-in model");
  g_assert_cmpuint (n_model, ==, 1);
  g_assert_cmpuint (n_description, ==, 1);
  g_assert_cmpstr (dl_session_get_model_description (session), ==, "Built-in model");

  dl_session_take_evaluation (session, nn_evaluation_new (probs, labels, 2, 2));
  g_assert_cmpuint (n_evaluation, ==, 1);
  g_assert_nonnull (dl_session_get_evaluation (session));
  /* another dataset: the evaluation was of the one before */
  dl_session_set_dataset (session, NULL);
  g_assert_cmpuint (n_dataset, ==, 2);
  g_assert_cmpuint (n_evaluation, ==, 2);
  g_assert_null (dl_session_get_evaluation (session));

  dl_session_set_download_state (session, 0.5, "File 1 of 4", NULL, NULL);
  dl_session_set_download_state (session, 0.5, "File 1 of 4", NULL, NULL);
  g_assert_cmpuint (n_download, ==, 1);
  dl_session_set_download_state (session, -1, NULL, "Could not get MNIST", "no source");
  g_assert_cmpuint (n_download, ==, 2);
  g_assert_cmpstr (dl_session_get_download_error (session), ==, "Could not get MNIST");
  g_assert_cmpstr (dl_session_get_download_error_details (session), ==, "no source");

  g_assert_finalize_object (session);
  nn_dataset_unref (dataset);
  close_window (window);
}

/* The window knows its pages only as DlPage: each has the window's session, a title and an
 * icon, figures Export Figure can draw, and Export Figure takes the visible page's first. */
static void
test_window_pages (void)
{
  DlWindow *window = make_window ();
  DlSession *session = dl_window_get_session (window);
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-pages-XXXXXX", NULL);
  GtkWidget *stack = GTK_WIDGET (dl_window_get_draw_page (window));
  g_autoptr(GtkSelectionModel) pages = NULL;
  guint n_pages, n_statuses = 0;

  dl_window_set_dataset (window, bars_dataset (100, 50));
  spin ();
  g_assert_cmpstr (dl_session_get_model_description (session), ==, "Built-in model");
  g_assert_true (dl_session_get_model (session) == dl_window_get_model (window));
  while (!ADW_IS_VIEW_STACK (stack))
    stack = gtk_widget_get_parent (stack);
  pages = adw_view_stack_get_pages (ADW_VIEW_STACK (stack));
  n_pages = g_list_model_get_n_items (G_LIST_MODEL (pages));
  g_assert_cmpuint (n_pages, ==, 7);
  for (guint i = 0; i < n_pages; i++)
    {
      g_autoptr(AdwViewStackPage) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
      GtkWidget *child = adw_view_stack_page_get_child (item);
      DlPage *page;
      g_autoptr(GPtrArray) figures = NULL;
      DlDatasetStatus *status;

      g_assert_true (DL_IS_PAGE (child));
      page = DL_PAGE (child);
      g_assert_true (dl_page_get_session (page) == session);
      g_assert_nonnull (dl_page_get_title (page));
      g_assert_nonnull (dl_page_get_icon_name (page));
      status = dl_page_get_status (page);
      if (status != NULL)
        {
          g_assert_true (dl_dataset_status_get_session (status) == session);
          n_statuses++;
        }
      figures = dl_page_list_figures (page);
      g_assert_cmpuint (figures->len, >=, 1);
      adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), child);
      for (guint f = 0; f < figures->len; f++)
        {
          DlPageFigure *figure = figures->pdata[f];
          g_autofree char *name = g_strdup_printf ("%u-%u.png", i, f);
          g_autofree char *png = g_build_filename (dir, name, NULL);
          g_autoptr(GError) error = NULL;
          gboolean ok;

          g_assert_nonnull (figure->id);
          g_assert_nonnull (figure->name);
          /* Export Figure takes the visible page's figures by id; one the page cannot export
           * now (nothing trained, nothing selected) is refused with the page's reason */
          ok = dl_window_export_figure (window, figure->id, figure->name, DL_FIGURE_FORMAT_PNG,
                                        320, 240, png, &error);
          if (figure->unavailable != NULL || !dl_figure_has_data (figure->figure))
            {
              g_assert_false (ok);
              g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
              if (figure->unavailable != NULL)
                g_assert_cmpstr (error->message, ==, figure->unavailable);
              g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
              continue;
            }
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (g_unlink (png), ==, 0);
        }
    }
  /* every page that needs a dataset shows the session's download */
  g_assert_cmpuint (n_statuses, ==, 4);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  /* the session, its training and its dataset go with the window */
  g_object_add_weak_pointer (G_OBJECT (session), (gpointer *) &session);
  close_window (window);
  /* a page's job still on a worker (reading a run, explaining the input) holds its session
   * until it reports back: give them time, then nothing may hold it */
  for (int i = 0; i < 10000 && session != NULL; i++)
    {
      spin ();
      g_usleep (1000);
    }
  g_assert_null (session);
}

/* With GTK before 4.14 on a software OpenGL (as under Xvfb), windows draw with Cairo; a
 * GSK_RENDERER the user set is left alone. */
static void
test_renderer_software_gl (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("GSK_RENDERER"));
  g_autofree char *gl = NULL;
  gboolean chose;

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (dl_renderer_avoid_software_gl (&gl));
  g_assert_null (gl);
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");

  g_unsetenv ("GSK_RENDERER");
  chose = dl_renderer_avoid_software_gl (&gl);
  if (gtk_get_minor_version () >= 14)
    {
      g_assert_false (chose);
      g_assert_null (gl);
      g_assert_null (g_getenv ("GSK_RENDERER"));
    }
  else if (gl == NULL)
    g_test_message ("no OpenGL here: nothing to decide");
  else
    {
      gboolean software = strstr (gl, "llvmpipe") != NULL || strstr (gl, "softpipe") != NULL;

      g_test_message ("OpenGL renderer: %s", gl);
      g_assert_cmpint (chose, ==, software);
      g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, software ? "cairo" : NULL);
    }
  if (saved != NULL)
    g_setenv ("GSK_RENDERER", saved, TRUE);
  else
    g_unsetenv ("GSK_RENDERER");
}

/* Every figure of every page in PNG, SVG and PDF at the size asked for, with its title and a
 * margin nothing touches; a figure a page cannot export now is refused with its reason (the
 * Dataset page with no image selected). Files stay in the build folder to be looked at. */
static void
check_figure_file (const char     *path,
                   DlFigureFormat  format,
                   const char     *title,
                   int             width,
                   int             height)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (format == DL_FIGURE_FORMAT_PNG)
    {
      g_autofree guint8 *gray = NULL;
      size_t w, h, ink = 0;

      gray = nn_png_load_gray (path, &w, &h, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (w, ==, (size_t) width);
      g_assert_cmpuint (h, ==, (size_t) height);
      /* a margin of the background around everything, and something drawn inside it */
      for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
          {
            gboolean edge = x < 8 || y < 8 || x >= w - 8 || y >= h - 8;

            if (edge)
              g_assert_cmpuint (gray[y * w + x], ==, gray[0]);
            else
              ink += gray[y * w + x] != gray[0];
          }
      g_assert_cmpuint (ink, >, 500);
      return;
    }
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  if (format == DL_FIGURE_FORMAT_SVG)
    {
      g_autofree char *size = g_strdup_printf ("width=\"%dpx\" height=\"%dpx\"", width, height);
      g_autofree char *named = g_strdup_printf ("<title>%s</title>", title);

      g_assert_true (g_str_has_prefix (contents, "<?xml"));
      g_assert_nonnull (strstr (contents, size));
      g_assert_nonnull (strstr (contents, named));
    }
  else
    {
      g_autofree char *box = g_strdup_printf ("/MediaBox [ 0 0 %d %d ]", width, height);
      g_autofree char *named = g_strdup_printf ("/Title (%s)", title);

      g_assert_true (g_str_has_prefix (contents, "%PDF-"));
      g_assert_nonnull (memmem (contents, length, box, strlen (box)));
      g_assert_nonnull (memmem (contents, length, named, strlen (named)));
    }
}

static void
test_export_figures (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  DlWindow *window = make_window ();
  DlDatasetPage *dataset_page = dl_window_get_dataset_page (window);
  DlEvaluatePage *evaluate_page = dl_window_get_evaluate_page (window);
  DlTraining *training = dl_train_page_get_training (dl_window_get_train_page (window));
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (dataset_page), ADW_TYPE_VIEW_STACK);
  const double one[] = { 0.52, 0.15, 0.5, 0.5, 0.48, 0.85 };
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "figures", NULL);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  guint n_written = 0;
  gint64 end;

  g_mkdir_with_parents (dir, 0755);
  g_settings_set_uint (settings, "epochs", 1);
  g_settings_set_uint (settings, "validation-size", 200);
  g_settings_set_string (settings, "architecture", "reference");
  dl_window_set_dataset (window, bars_dataset (600, 150));
  spin ();

  /* the Dataset page with nothing selected says so rather than write an empty chart */
  adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), GTK_WIDGET (dataset_page));
  {
    g_autofree char *path = g_build_filename (dir, "unselected.png", NULL);

    g_assert_false (dl_window_export_figure (window, "probabilities", "Probabilities",
                                             DL_FIGURE_FORMAT_PNG, 800, 600, path, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, "No image is selected"));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
  }

  /* something on every page: a run, an evaluation, a drawing, a selection, the report */
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  wait_for (&done, 120);
  g_signal_handlers_disconnect_by_data (training, &done);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (evaluate_page), "evaluate.run", NULL));
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while ((dl_evaluate_page_get_evaluation (evaluate_page) == NULL ||
          dl_explore_page_get_report (dl_window_get_explore_page (window)) == NULL) &&
         g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (dl_evaluate_page_get_evaluation (evaluate_page));
  draw_polyline (DL_CANVAS (dl_draw_page_get_canvas (dl_window_get_draw_page (window))), one, 3);
  dl_dataset_page_select (dataset_page, 0);
  spin ();

  {
    g_autoptr(GtkSelectionModel) pages = adw_view_stack_get_pages (ADW_VIEW_STACK (stack));
    guint n_pages = g_list_model_get_n_items (G_LIST_MODEL (pages));

    for (guint i = 0; i < n_pages; i++)
      {
        g_autoptr(AdwViewStackPage) item = g_list_model_get_item (G_LIST_MODEL (pages), i);
        GtkWidget *child = adw_view_stack_page_get_child (item);
        g_autoptr(GPtrArray) figures = NULL;

        if (!DL_IS_PAGE (child))
          continue;
        adw_view_stack_set_visible_child (ADW_VIEW_STACK (stack), child);
        figures = dl_page_list_figures (DL_PAGE (child));
        for (guint f = 0; f < figures->len; f++)
          {
            DlPageFigure *figure = figures->pdata[f];
            g_autofree char *title = g_strdup_printf ("Figure %s", figure->id);

            if (figure->unavailable != NULL)
              {
                /* the pages this test gave something to show must have it */
                const char *const prepared[] = { "draw", "dataset", "explore", "train",
                                                 "evaluate", NULL };

                g_test_message ("%s/%s not exported: %s", dl_page_get_name (DL_PAGE (child)),
                                figure->id, figure->unavailable);
                g_assert_false (g_strv_contains (prepared, dl_page_get_name (DL_PAGE (child))));
                continue;
              }
            for (int format = 0; format < DL_N_FIGURE_FORMATS; format++)
              {
                g_autofree char *name = g_strdup_printf ("%s-%s.%s",
                                                         dl_page_get_name (DL_PAGE (child)),
                                                         figure->id,
                                                         dl_figure_format_get_extension (format));
                g_autofree char *path = g_build_filename (dir, name, NULL);

                g_assert_true (dl_window_export_figure (window, figure->id, title, format, 900,
                                                        600, path, &error));
                g_assert_no_error (error);
                check_figure_file (path, format, title, 900, 600);
                n_written++;
              }
            /* the confusion matrix lays out its titles and legend for the shape it is given */
            if (g_str_equal (figure->id, "confusion-matrix"))
              {
                const int sizes[][2] = { { 600, 900 }, { 1600, 900 }, { 450, 300 } };

                for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
                  {
                    g_autofree char *name = g_strdup_printf ("%s-%s-%dx%d.png",
                                                             dl_page_get_name (DL_PAGE (child)),
                                                             figure->id, sizes[k][0],
                                                             sizes[k][1]);
                    g_autofree char *path = g_build_filename (dir, name, NULL);

                    g_assert_true (dl_window_export_figure (window, figure->id, title,
                                                            DL_FIGURE_FORMAT_PNG, sizes[k][0],
                                                            sizes[k][1], path, &error));
                    g_assert_no_error (error);
                    check_figure_file (path, DL_FIGURE_FORMAT_PNG, title, sizes[k][0],
                                       sizes[k][1]);
                  }
              }
          }
      }
    /* Draw 1, Dataset 1, Explore 3, Train 2, Evaluate 1 — in three formats */
    g_assert_cmpuint (n_written, >=, 8 * 3);
  }
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  /* windows must not pick up a dataset of the machine's; each test gives its own */
  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  /* gtk_init would abort without a display, so look before initialising */
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      /* under TAP a skip must be printed, and CI must not skip silently */
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    /* the application adds its style sheet at startup; these tests build windows without it */
    gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/app/renderer/software-gl", test_renderer_software_gl);
  g_test_add_func ("/app/draw-page/predicts", test_draw_page_predicts);
  g_test_add_func ("/app/canvas/pressure", test_canvas_pressure);
  g_test_add_func ("/app/chart/readout", test_chart_readout);
  g_test_add_func ("/app/chart/scales", test_chart_scales);
  g_test_add_func ("/app/chart/placeholder", test_chart_placeholder);
  g_test_add_func ("/app/preferences/style", test_preferences_style);
  g_test_add_func ("/app/draw-page/open-bad-image", test_open_bad_image);
  g_test_add_func ("/app/bundled-model/accuracy", test_bundled_model_accuracy);
  g_test_add_func ("/app/train-page/runs", test_train_page_runs);
  g_test_add_func ("/app/evaluate-page/counts", test_evaluate_page);
  g_test_add_func ("/app/dataset-page/filters", test_dataset_page);
  g_test_add_func ("/app/explore-page/report", test_explore_page);
  g_test_add_func ("/app/window/models-and-export", test_models_and_export);
  g_test_add_func ("/app/window/close-during-training", test_close_during_training);
  g_test_add_func ("/app/training/setup-fails", test_training_setup_fails);
  g_test_add_func ("/app/application/open-files", test_application_open_files);
#if HAVE_SOUP
  g_test_add_func ("/app/get-mnist/download", test_get_mnist_download);
  g_test_add_func ("/app/get-mnist/bad-checksum", test_get_mnist_bad_checksum);
  g_test_add_func ("/app/get-mnist/cancel", test_get_mnist_cancel);
#endif
  g_test_add_func ("/app/dataset-status/fashion", test_dataset_status_fashion);
  g_test_add_func ("/app/session/properties", test_session_properties);
  g_test_add_func ("/app/window/pages", test_window_pages);
  g_test_add_func ("/app/window/export-figures", test_export_figures);
  return g_test_run ();
}
