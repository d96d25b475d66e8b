/* test-app.c: the app under a real display — the Draw page driven through its canvas and
 * actions, rendered to PNG, and the bundled model checked against the real test set */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <adwaita.h>

#include "dl-application.h"
#include "dl-canvas.h"
#include "dl-chart.h"
#include "dl-figure.h"
#include "dl-preferences.h"
#include "dl-image-list.h"
#include "dl-draw-page.h"
#include "dl-training.h"
#include "dl-window.h"
#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-evaluate.h"
#include "nn-png.h"

static void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static DlWindow *
make_window (void)
{
  DlWindow *window = g_object_new (DL_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  return window;
}

static void
close_window (DlWindow *window)
{
  gpointer weak = window;

  g_object_add_weak_pointer (G_OBJECT (window), &weak);
  gtk_window_destroy (GTK_WINDOW (window));
  for (int i = 0; i < 100 && weak != NULL; i++)
    {
      spin ();
      g_usleep (1000);
    }
  g_assert_null (weak);
}

/* Strokes in canvas coordinates, through the same entry points the gestures use. */
static void
draw_polyline (DlCanvas     *canvas,
               const double *xy,
               size_t        n_points)
{
  dl_canvas_begin_stroke (canvas, xy[0], xy[1], -1);
  for (size_t i = 1; i < n_points; i++)
    dl_canvas_extend_stroke (canvas, xy[2 * i], xy[2 * i + 1], -1);
  dl_canvas_end_stroke (canvas);
}

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
save_png (GtkWidget  *widget,
          const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GskRenderer) renderer = gsk_cairo_renderer_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  g_assert_true (gsk_renderer_realize (renderer, NULL, NULL));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gsk_renderer_unrealize (renderer);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("rendered %s", path);
}

static void
test_draw_page_predicts (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  const double one[] = { 0.52, 0.15, 0.5, 0.5, 0.48, 0.85 };

  /* nothing drawn, nothing predicted */
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);

  draw_polyline (canvas, one, 3);
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, 1);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "draw.clear", NULL));
  spin ();
  g_assert_true (dl_canvas_is_empty (canvas));
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);

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


/* A small learnable dataset: a bar in one of ten places, 28×28, with noise. */
static NnDataset *
bars_dataset (size_t n_train,
              size_t n_test)
{
  NnDataset *ds = g_new0 (NnDataset, 1);
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

          set->labels[i] = label;
          for (int p = 0; p < 784; p++)
            img[p] = (guint8) nn_rng_below (&rng, 30);
          for (int t = 4; t < 24; t++)
            img[t * 28 + 2 + 2 * label] = 250;
        }
    }
  return ds;
}

typedef struct
{
  gint64   last;
  gint64   worst_gap;
  gboolean measuring;
} Ticks;

static gboolean
on_tick (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Ticks *t = user_data;
  gint64 now = g_get_monotonic_time ();

  if (t->measuring && t->last > 0)
    t->worst_gap = MAX (t->worst_gap, now - t->last);
  t->last = now;
  return G_SOURCE_CONTINUE;
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

/* Start a short run on generated data: the curves fill, the main loop keeps ticking,
 * and the model it leaves is what the Draw page then uses. */
static void
test_train_page_runs (void)
{
  DlWindow *window = make_window ();
  DlTrainPage *page = dl_window_get_train_page (window);
  DlTraining *training = dl_train_page_get_training (page);
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  Ticks ticks = { 0 };
  gboolean done = FALSE;
  guint tick_id;

  g_settings_set_uint (settings, "epochs", 2);
  g_settings_set_uint (settings, "validation-size", 200);
  g_settings_set_string (settings, "architecture", "reference");
  dl_window_set_dataset (window, bars_dataset (4000, 500));
  spin ();
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (window), on_tick, &ticks, NULL);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.start-training", NULL));
  g_assert_true (dl_training_get_running (training));
  /* pause holds the worker between batches; resume lets it go on */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
  g_assert_true (dl_training_get_paused (training));
  spin ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "train.pause", NULL));
  g_assert_false (dl_training_get_paused (training));
  ticks.measuring = TRUE;
  wait_for (&done, 60);
  ticks.measuring = FALSE;
  gtk_widget_remove_tick_callback (GTK_WIDGET (window), tick_id);

  g_test_message ("longest gap between frames while training: %.1f ms", ticks.worst_gap / 1e3);
  g_assert_cmpint (ticks.worst_gap, >, 0);
  g_assert_cmpint (ticks.worst_gap, <, 50000);
  g_assert_false (dl_training_get_running (training));
  g_assert_cmpuint (dl_training_get_epochs_done (training), ==, 2);

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

  /* the confusion matrix as a figure file at a chosen size, drawn afresh */
  {
    g_autofree char *png = g_test_build_filename (G_TEST_BUILT, "figure-matrix.png", NULL);
    g_autofree guint8 *gray = NULL;
    g_autoptr(GError) error = NULL;
    size_t w, h, dark = 0;

    g_assert_true (dl_figure_save_png (dl_evaluate_page_get_figure (page), png, 640, 480, &error));
    g_assert_no_error (error);
    gray = nn_png_load_gray (png, &w, &h, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (w, ==, 640);
    g_assert_cmpuint (h, ==, 480);
    for (size_t i = 0; i < w * h; i++)
      dark += gray[i] < 200;
    g_assert_cmpuint (dark, >, 1000);
    g_assert_false (dl_figure_save_png (dl_evaluate_page_get_figure (page), png, 4, 4, &error));
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
  spin ();
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
  dl_chart_clear (DL_CHART (chart));
  empty = dl_chart_dup_readout (DL_CHART (chart), 1.8);
  g_assert_cmpstr (empty, ==, "");
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
  spin ();
  g_assert_true (gtk_application_get_active_window (GTK_APPLICATION (app)) == GTK_WINDOW (window));
  g_application_open (G_APPLICATION (app), &png, 1, "");
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, wanted);

  /* refused, the model in use stays: files that are not safetensors, whatever their name */
  g_assert_cmpint (g_mkdir (bad_dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (bad_path, "not safetensors", -1, NULL));
  g_assert_true (g_file_set_contents (foreign_path, "not safetensors", -1, NULL));
  {
    GFile *refused[] = { bad, foreign };

    g_application_open (G_APPLICATION (app), refused, G_N_ELEMENTS (refused), "");
  }
  spin ();
  g_application_open (G_APPLICATION (app), &png, 1, "");
  spin ();
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
    spin ();
    g_application_open (G_APPLICATION (app), &png, 1, "");
    spin ();
    g_assert_cmpint (dl_draw_page_get_prediction (page), ==, (wanted + 1) % 10);
  }

  close_window (window);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);

    g_assert_cmpint (system (cmd), ==, 0);
  }
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

  g_test_add_func ("/app/draw-page/predicts", test_draw_page_predicts);
  g_test_add_func ("/app/canvas/pressure", test_canvas_pressure);
  g_test_add_func ("/app/chart/readout", test_chart_readout);
  g_test_add_func ("/app/preferences/style", test_preferences_style);
  g_test_add_func ("/app/draw-page/open-bad-image", test_open_bad_image);
  g_test_add_func ("/app/bundled-model/accuracy", test_bundled_model_accuracy);
  g_test_add_func ("/app/train-page/runs", test_train_page_runs);
  g_test_add_func ("/app/evaluate-page/counts", test_evaluate_page);
  g_test_add_func ("/app/dataset-page/filters", test_dataset_page);
  g_test_add_func ("/app/explore-page/report", test_explore_page);
  g_test_add_func ("/app/window/models-and-export", test_models_and_export);
  g_test_add_func ("/app/window/close-during-training", test_close_during_training);
  g_test_add_func ("/app/application/open-files", test_application_open_files);
  return g_test_run ();
}
