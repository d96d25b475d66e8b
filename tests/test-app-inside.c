/* test-app-inside.c: the Inside page under a real display — what it shows is the engine's
 * explanation of the session's input, live, for any architecture, and screenshots of it */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>

#include "dl-activation-bars.h"
#include "dl-dataset-page.h"
#include "dl-draw-page.h"
#include "dl-inside-page.h"
#include "dl-tile-grid.h"
#include "dl-window.h"
#include "dl-window-private.h"
#include "app-helpers.h"
#include "nn-explain.h"
#include "nn-rng.h"

/* A small dataset with the bundled model's classes: a stroke whose place and slant depend on
 * the class, over faint noise. */
static NnDataset *
strokes_dataset (size_t n_train,
                 size_t n_test)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup ("strokes");
  ds->dir = g_strdup ("generated");
  ds->n_classes = 10;
  ds->class_names = g_strsplit ("0 1 2 3 4 5 6 7 8 9", " ", -1);
  ds->train = nn_image_set_new (n_train, 28, 28);
  ds->test = nn_image_set_new (n_test, 28, 28);
  nn_rng_init (&rng, 13);
  for (int s = 0; s < 2; s++)
    {
      NnImageSet *set = s == 0 ? ds->train : ds->test;

      for (size_t i = 0; i < set->n_images; i++)
        {
          guint8 *img = set->pixels + i * 784;
          guint8 label = (guint8) (i % 10);

          set->labels[i] = label;
          for (int p = 0; p < 784; p++)
            img[p] = (guint8) nn_rng_below (&rng, 20);
          for (int t = 5; t < 23; t++)
            {
              int x = 6 + 1.5 * label + (t - 14) * (label % 3 - 1) / 3 +
                      (int) nn_rng_below (&rng, 2);

              img[t * 28 + CLAMP (x, 0, 27)] = 240;
              img[t * 28 + CLAMP (x + 1, 0, 27)] = 200;
            }
        }
    }
  return ds;
}

static DlInsidePage *
inside_page (DlWindow *window)
{
  return DL_INSIDE_PAGE (_dl_window_find_page (window, DL_TYPE_INSIDE_PAGE));
}

static void
wait_until_idle (DlInsidePage *page)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  spin ();
  while (!dl_inside_page_is_idle (page) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_true (dl_inside_page_is_idle (page));
  spin ();
}

static void
wait_for_embeddings (DlInsidePage *page)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (dl_inside_page_get_embedding (page) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_false (dl_inside_page_get_embedding (page));
  g_assert_true (dl_inside_page_has_embeddings (page));
  wait_until_idle (page);
}

static void
draw_seven (DlWindow *window)
{
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (dl_window_get_draw_page (window)));
  const double seven[] = { 0.3, 0.25, 0.7, 0.25, 0.45, 0.8 };

  draw_polyline (canvas, seven, 3);
  spin ();
}

/* An explainer of the session's model run on the session's input: what the page must show. */
static NnExplainer *
reference_run (DlWindow *window)
{
  DlSession *session = dl_window_get_session (window);
  DlInput *input = dl_session_get_input (session);
  g_autoptr(GError) error = NULL;
  NnExplainer *ex;

  g_assert_nonnull (input);
  ex = nn_explainer_new (dl_session_get_model (session), 1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_explainer_run (ex, input->pixels, input->width * input->height, &error));
  g_assert_no_error (error);
  return ex;
}

static void
assert_floats_equal (const float *a,
                     const float *b,
                     size_t       n)
{
  for (size_t i = 0; i < n; i++)
    g_assert_cmpfloat (a[i], ==, b[i]);
}

/* Every section shows exactly its layer's output from the engine, in its view's data too. */
static void
assert_sections_match (DlInsidePage *page,
                       NnExplainer  *ex)
{
  guint n_sections = dl_inside_page_get_n_sections (page);

  g_assert_cmpuint (n_sections, >, 0);
  for (guint k = 0; k < n_sections; k++)
    {
      size_t C, H, W;
      size_t layer = dl_inside_page_get_section_layer (page, k, &C, &H, &W);
      const NnExplainLayer *l = nn_explainer_get_layer (ex, layer);
      const float *values = dl_inside_page_get_section_values (page, k);
      GtkWidget *view = dl_inside_page_get_section_view (page, k);

      g_assert_cmpuint (C * H * W, ==, l->c * l->h * l->w);
      g_assert_nonnull (values);
      assert_floats_equal (values, l->values, C * H * W);
      if (DL_IS_TILE_GRID (view))
        {
          size_t n, th, tw;
          const float *tiles = dl_tile_grid_get_tiles (DL_TILE_GRID (view), &n, &th, &tw);

          g_assert_cmpuint (n, ==, C);
          g_assert_cmpuint (th, ==, H);
          g_assert_cmpuint (tw, ==, W);
          assert_floats_equal (tiles, l->values, C * H * W);
        }
      else
        {
          size_t n;
          const float *bars = dl_activation_bars_get_values (DL_ACTIVATION_BARS (view), &n);

          g_assert_true (DL_IS_ACTIVATION_BARS (view));
          g_assert_cmpuint (n, ==, C * H * W);
          assert_floats_equal (bars, l->values, n);
        }
    }
}

static const float *
tiles_of (GtkWidget *grid,
          size_t    *n_values)
{
  size_t n, h, w;
  const float *tiles = dl_tile_grid_get_tiles (DL_TILE_GRID (grid), &n, &h, &w);

  *n_values = n * h * w;
  return tiles;
}

/* The drawing on the Draw page is the input: the page shows every layer's output as the
 * engine computes it, the filters from the weights, and a map enlarged on click. */
static void
test_inside_drawing (void)
{
  DlWindow *window = make_window ();
  DlInsidePage *page = inside_page (window);
  g_autoptr(NnExplainer) ex = NULL;
  NnNetwork *net;
  size_t n;

  g_assert_nonnull (page);
  g_assert_cmpstr (dl_inside_page_get_view (page), ==, "content");
  draw_seven (window);
  g_assert_nonnull (dl_session_get_input (dl_window_get_session (window)));
  g_assert_cmpint (dl_session_get_input (dl_window_get_session (window))->source, ==,
                   DL_INPUT_DRAWING);
  dl_page_present (DL_PAGE (page));
  wait_until_idle (page);

  ex = reference_run (window);
  /* the reference network: conv, pool, conv, pool, dense, dense */
  g_assert_cmpuint (dl_inside_page_get_n_sections (page), ==, 6);
  assert_sections_match (page, ex);
  g_assert_cmpint (dl_inside_page_get_prediction (page), ==, (int) nn_explainer_get_predicted (ex));
  g_assert_cmpint (dl_inside_page_get_prediction (page), ==,
                   dl_draw_page_get_prediction (dl_window_get_draw_page (window)));

  /* the first layer's filters are its weights, as the engine gives them */
  net = dl_session_get_model (dl_window_get_session (window))->net;
  {
    NnExplainFilters f;
    const float *tiles = tiles_of (dl_inside_page_get_section_filters (page, 0), &n);

    g_assert_true (nn_explain_get_filters (net, nn_network_get_params (net), 0, &f));
    g_assert_cmpuint (n, ==, f.n_out * f.n_in * f.kh * f.kw);
    assert_floats_equal (tiles, f.weights, n);
  }
  g_assert_null (dl_inside_page_get_section_filters (page, 1));

  /* a click on a map shows it enlarged; a second one puts it back */
  g_assert_null (dl_inside_page_get_enlarged_view (page, 0));
  dl_inside_page_enlarge (page, 0, 3);
  {
    const NnExplainLayer *l = nn_explainer_get_layer (ex, dl_inside_page_get_section_layer (page, 0,
                                                                                            NULL,
                                                                                            NULL,
                                                                                            NULL));
    GtkWidget *large = dl_inside_page_get_enlarged_view (page, 0);
    const float *tiles;

    g_assert_nonnull (large);
    tiles = tiles_of (large, &n);
    g_assert_cmpuint (n, ==, l->h * l->w);
    assert_floats_equal (tiles, l->values + 3 * l->h * l->w, n);
  }
  dl_inside_page_enlarge (page, 0, 3);
  g_assert_null (dl_inside_page_get_enlarged_view (page, 0));

  /* drawing on goes on updating the maps */
  {
    DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (dl_window_get_draw_page (window)));
    const double bar[] = { 0.35, 0.55, 0.65, 0.55 };
    g_autoptr(NnExplainer) again = NULL;

    draw_polyline (canvas, bar, 2);
    wait_until_idle (page);
    again = reference_run (window);
    assert_sections_match (page, again);
  }

  /* a picture opened (as Ctrl+Shift+O and drops give it to the Draw page) is the input too */
  {
    g_autofree guint8 *gray = g_new0 (guint8, 40 * 40);
    g_autoptr(GError) error = NULL;
    g_autoptr(NnExplainer) opened = NULL;

    for (int y = 8; y < 32; y++)
      gray[y * 40 + 20] = gray[y * 40 + 21] = 255;
    g_assert_true (dl_draw_page_classify_pixels (dl_window_get_draw_page (window), gray, 40, 40,
                                                 &error));
    g_assert_no_error (error);
    g_assert_cmpint (dl_session_get_input (dl_window_get_session (window))->source, ==,
                     DL_INPUT_FILE);
    wait_until_idle (page);
    opened = reference_run (window);
    assert_sections_match (page, opened);
    draw_seven (window);
  }

  /* clearing the drawing leaves nothing to explain */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dl_window_get_draw_page (window)),
                                             "draw.clear", NULL));
  wait_until_idle (page);
  g_assert_null (dl_session_get_input (dl_window_get_session (window)));
  g_assert_null (dl_inside_page_get_section_values (page, 0));
  g_assert_cmpint (dl_inside_page_get_class (page), ==, -1);
  close_window (window);
}

/* Saliency for the predicted class by default, for another one once chosen; occlusion follows
 * on its own worker; both equal the engine's. */
/* The page's own canvas: its strokes become the session's input, exactly as the Draw page
 * prepares a drawing, the maps follow each stroke, and Clear takes the drawing away. */
static void
test_inside_own_canvas (void)
{
  DlWindow *window = make_window ();
  DlSession *session = dl_window_get_session (window);
  DlInsidePage *page = inside_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_inside_page_get_canvas (page));
  DlCanvas *draw_canvas = DL_CANVAS (dl_draw_page_get_canvas (dl_window_get_draw_page (window)));
  const double seven[] = { 0.3, 0.25, 0.7, 0.25, 0.45, 0.8 };
  const double bar[] = { 0.2, 0.55, 0.8, 0.55 };
  float expected[28 * 28];
  DlInput *input;

  dl_page_present (DL_PAGE (page));
  wait_until_idle (page);
  g_assert_null (dl_session_get_input (session));
  g_assert_true (dl_canvas_is_empty (canvas));

  for (int stroke = 0; stroke < 2; stroke++)
    {
      g_autoptr(NnExplainer) ex = NULL;

      if (stroke == 0)
        draw_polyline (canvas, seven, 3);
      else
        draw_polyline (canvas, bar, 2);
      input = dl_session_get_input (session);
      g_assert_nonnull (input);
      g_assert_cmpint (input->source, ==, DL_INPUT_DRAWING);
      g_assert_true (dl_canvas_render_digit (canvas, expected));
      assert_floats_equal (input->pixels, expected, 28 * 28);
      /* the Draw page's drawing is another one */
      g_assert_true (dl_canvas_is_empty (draw_canvas));
      wait_until_idle (page);
      ex = reference_run (window);
      assert_sections_match (page, ex);
      {
        size_t C, H, W;
        const NnExplainLayer *l = nn_explainer_get_layer (ex, dl_inside_page_get_section_layer (page,
                                                                                                0,
                                                                                                &C,
                                                                                                &H,
                                                                                                &W));

        assert_floats_equal (dl_inside_page_get_section_values (page, 0), l->values, C * H * W);
      }
      g_assert_cmpint (dl_inside_page_get_prediction (page), ==,
                       (int) nn_explainer_get_predicted (ex));
    }

  /* Undo takes the last stroke back: the seven alone is the input again */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inside.undo-stroke", NULL));
  g_assert_false (dl_canvas_is_empty (canvas));
  input = dl_session_get_input (session);
  g_assert_nonnull (input);
  g_assert_true (dl_canvas_render_digit (canvas, expected));
  assert_floats_equal (input->pixels, expected, 28 * 28);
  wait_until_idle (page);

  /* Clear empties the canvas and takes its drawing away from the session */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inside.clear-drawing", NULL));
  g_assert_true (dl_canvas_is_empty (canvas));
  g_assert_null (dl_session_get_input (session));
  wait_until_idle (page);
  g_assert_cmpint (dl_inside_page_get_prediction (page), ==, -1);

  /* a picture opened since is not a drawing: clearing the canvas leaves it */
  draw_polyline (canvas, seven, 3);
  {
    guint8 gray[40 * 40];
    g_autoptr(GError) error = NULL;

    memset (gray, 255, sizeof gray);
    for (int y = 8; y < 32; y++)
      gray[y * 40 + 19] = gray[y * 40 + 20] = 0;
    g_assert_true (dl_draw_page_classify_pixels (dl_window_get_draw_page (window), gray, 40, 40,
                                                 &error));
    g_assert_no_error (error);
  }
  g_assert_cmpint (dl_session_get_input (session)->source, ==, DL_INPUT_FILE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inside.clear-drawing", NULL));
  g_assert_true (dl_canvas_is_empty (canvas));
  g_assert_nonnull (dl_session_get_input (session));
  g_assert_cmpint (dl_session_get_input (session)->source, ==, DL_INPUT_FILE);
  wait_until_idle (page);
  close_window (window);
}

static void
test_inside_class (void)
{
  DlWindow *window = make_window ();
  DlInsidePage *page = inside_page (window);
  g_autoptr(NnExplainer) ex = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *expected = g_new (float, 28 * 28);
  g_autofree float *first = NULL;
  const float *tiles;
  int predicted, other;
  size_t n;

  draw_seven (window);
  dl_page_present (DL_PAGE (page));
  wait_until_idle (page);
  ex = reference_run (window);
  predicted = (int) nn_explainer_get_predicted (ex);
  g_assert_cmpint (dl_inside_page_get_class (page), ==, predicted);

  g_assert_true (nn_explainer_saliency (ex, (size_t) predicted, expected, &error));
  g_assert_no_error (error);
  tiles = tiles_of (dl_inside_page_get_saliency_view (page), &n);
  g_assert_cmpuint (n, ==, 28 * 28);
  assert_floats_equal (tiles, expected, n);
  first = g_memdup2 (tiles, n * sizeof (float));

  /* the occlusion map of the predicted class */
  g_assert_true (nn_explainer_occlusion (ex, NN_EXPLAIN_OCCLUSION_PATCH,
                                         NN_EXPLAIN_OCCLUSION_STRIDE, &error));
  g_assert_no_error (error);
  g_assert_true (nn_explainer_get_occlusion (ex, (size_t) predicted, expected));
  tiles = tiles_of (dl_inside_page_get_occlusion_view (page), &n);
  g_assert_cmpuint (n, ==, 28 * 28);
  assert_floats_equal (tiles, expected, n);

  /* another class, chosen from the probability buttons */
  other = (predicted + 1) % 10;
  dl_inside_page_choose_class (page, other);
  wait_until_idle (page);
  g_assert_cmpint (dl_inside_page_get_class (page), ==, other);
  g_assert_true (nn_explainer_saliency (ex, (size_t) other, expected, &error));
  tiles = tiles_of (dl_inside_page_get_saliency_view (page), &n);
  assert_floats_equal (tiles, expected, n);
  g_assert_cmpint (memcmp (tiles, first, n * sizeof (float)), !=, 0);
  g_assert_true (nn_explainer_get_occlusion (ex, (size_t) other, expected));
  tiles = tiles_of (dl_inside_page_get_occlusion_view (page), &n);
  assert_floats_equal (tiles, expected, n);
  g_assert_cmpint (dl_inside_page_get_prediction (page), ==, predicted);

  /* back to following the prediction */
  dl_inside_page_choose_class (page, -1);
  wait_until_idle (page);
  g_assert_cmpint (dl_inside_page_get_class (page), ==, predicted);
  close_window (window);
}

/* The training images' embeddings are computed once (then read from the cache), the nearest
 * images follow the input, a training image is nearest to itself, and a click on one opens it
 * on the Dataset page. Cancel stops the job and leaves a button to start it again. */
static void
test_inside_nearest (void)
{
  DlWindow *window = make_window ();
  DlSession *session = dl_window_get_session (window);
  DlInsidePage *page = inside_page (window);
  DlDatasetPage *dataset_page = dl_window_get_dataset_page (window);
  const guint *indices;
  const float *distances;
  size_t n;
  guint chosen = 37;

  dl_window_set_dataset (window, strokes_dataset (400, 50));
  spin ();
  dl_page_present (DL_PAGE (page));
  spin ();
  g_assert_true (dl_inside_page_get_embedding (page) || dl_inside_page_has_embeddings (page));
  wait_for_embeddings (page);
  /* no input yet: nothing to compare */
  g_assert_cmpuint (dl_inside_page_get_neighbours (page, NULL, NULL), ==, 0);

  /* a training image selected on the Dataset page is its own nearest neighbour */
  dl_dataset_page_show_image (dataset_page, FALSE, chosen);
  g_assert_cmpint (dl_session_get_input (session)->source, ==, DL_INPUT_DATASET);
  g_assert_false (dl_session_get_input (session)->is_test);
  g_assert_cmpuint (dl_session_get_input (session)->index, ==, chosen);
  dl_page_present (DL_PAGE (page));
  wait_until_idle (page);
  n = dl_inside_page_get_neighbours (page, &indices, &distances);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpuint (indices[0], ==, chosen);
  g_assert_cmpfloat (distances[0], ==, 0);
  for (size_t i = 1; i < n; i++)
    g_assert_cmpfloat (distances[i], >=, distances[i - 1]);
  {
    const float *tiles;
    size_t n_values;
    const NnImageSet *train = dl_session_get_dataset (session)->train;

    tiles = tiles_of (dl_inside_page_get_neighbours_view (page), &n_values);
    g_assert_cmpuint (n_values, ==, 8 * 784);
    g_assert_cmpfloat (tiles[784 + 300], ==, train->pixels[(size_t) indices[1] * 784 + 300] / 255.0f);
  }

  /* a click on the second one opens it on the Dataset page */
  {
    guint second = indices[1];
    GtkWidget *stack = gtk_widget_get_parent (GTK_WIDGET (page));

    g_signal_emit_by_name (dl_inside_page_get_neighbours_view (page), "tile-activated", 1);
    spin ();
    while (!ADW_IS_VIEW_STACK (stack))
      stack = gtk_widget_get_parent (stack);
    g_assert_true (adw_view_stack_get_visible_child (ADW_VIEW_STACK (stack)) ==
                   GTK_WIDGET (dataset_page));
    g_assert_cmpuint (dl_session_get_input (session)->index, ==, second);
    g_assert_false (dl_session_get_input (session)->is_test);
  }

  /* a new model: the embeddings go; Cancel stops the new job, the button starts it again and
   * the cache answers */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(NnModel) copy = nn_model_copy (dl_session_get_model (session), 1, &error);

    g_assert_no_error (error);
    dl_page_present (DL_PAGE (page));
    dl_session_set_model (session, copy, "A copy");
    g_assert_false (dl_inside_page_has_embeddings (page));
    g_assert_true (dl_inside_page_get_embedding (page));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inside.cancel-embeddings",
                                               NULL));
    spin ();
    g_assert_false (dl_inside_page_get_embedding (page));
    g_assert_false (dl_inside_page_has_embeddings (page));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (page), "inside.compute-embeddings",
                                               NULL));
    g_assert_true (dl_inside_page_get_embedding (page));
    wait_for_embeddings (page);
    n = dl_inside_page_get_neighbours (page, &indices, &distances);
    g_assert_cmpuint (n, ==, 8);
    g_assert_cmpfloat (distances[0], ==, 0);
  }
  close_window (window);
}

/* Any architecture the spec describes; a model for other images gets a status page. */
static void
test_inside_architectures (void)
{
  DlWindow *window = make_window ();
  DlSession *session = dl_window_get_session (window);
  DlInsidePage *page = inside_page (window);
  g_autoptr(GError) error = NULL;
  const char *const names[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };
  NnNormalisation norm = { 0.1307f, 0.3081f };

  dl_page_present (DL_PAGE (page));
  {
    g_autoptr(NnSpec) spec = nn_spec_parse ("conv(6,5) tanh maxpool(2) conv(4,3,pad=1) relu "
                                            "flatten dense(24) relu dropout(0.3) dense(10)", &error);
    g_autoptr(NnModel) model = NULL;
    g_autoptr(NnExplainer) ex = NULL;
    NnRng rng;

    g_assert_no_error (error);
    model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "mnist", names, 1, &error);
    g_assert_no_error (error);
    nn_rng_init (&rng, 3);
    nn_network_init_params (model->net, &rng);
    dl_session_set_model (session, model, "Other");
    g_assert_cmpstr (dl_inside_page_get_view (page), ==, "content");
    draw_seven (window);
    dl_page_present (DL_PAGE (page));
    wait_until_idle (page);
    /* conv (with tanh), pool, conv (with relu), dense (with relu), dense */
    g_assert_cmpuint (dl_inside_page_get_n_sections (page), ==, 5);
    ex = reference_run (window);
    assert_sections_match (page, ex);
    g_assert_nonnull (dl_inside_page_get_section_filters (page, 2));
  }
  {
    /* kinds the page has no word for: a section each all the same, values the engine's */
    g_autoptr(NnSpec) spec = nn_spec_parse ("conv(8,3,pad=1) batchnorm relu conv(8,3,stride=2,pad=1) "
                                            "relu gap dense(10)", &error);
    g_autoptr(NnModel) model = NULL;
    g_autoptr(NnExplainer) ex = NULL;
    NnRng rng;

    g_assert_no_error (error);
    model = nn_model_new (spec, 1, 28, 28, NULL, &norm, "mnist", names, 1, &error);
    g_assert_no_error (error);
    nn_rng_init (&rng, 4);
    nn_network_init_params (model->net, &rng);
    dl_session_set_model (session, model, "Batch norm");
    draw_seven (window);
    wait_until_idle (page);
    /* conv, batchnorm (with relu), conv (with relu), gap, dense */
    g_assert_cmpuint (dl_inside_page_get_n_sections (page), ==, 5);
    ex = reference_run (window);
    assert_sections_match (page, ex);
  }
  {
    g_autoptr(NnSpec) spec = nn_spec_parse ("conv(4,3) relu flatten dense(10)", &error);
    g_autoptr(NnModel) model = NULL;

    g_assert_no_error (error);
    model = nn_model_new (spec, 1, 16, 16, NULL, &norm, "custom", names, 1, &error);
    g_assert_no_error (error);
    dl_session_set_model (session, model, "Small images");
    spin ();
    g_assert_cmpstr (dl_inside_page_get_view (page), ==, "unfit");
    g_assert_nonnull (strstr (dl_inside_page_get_unfit (page), "16"));
    g_assert_cmpuint (dl_inside_page_get_n_sections (page), ==, 0);
  }
  dl_session_set_model (session, NULL, NULL);
  spin ();
  g_assert_cmpstr (dl_inside_page_get_view (page), ==, "no-model");
  close_window (window);
}

static void
on_filters (DlTraining              *training,
            const DlTrainingFilters *filters,
            guint                   *n)
{
  /* the run waits at the first, until the test has looked */
  if (++(*n) == 1)
    dl_training_set_paused (training, TRUE);
}

static void
on_finished (DlTraining *training,
             gboolean    stopped,
             gboolean   *done)
{
  *done = TRUE;
}

/* While a run trains, the page shows its first filters as the worker posts them, and taking
 * them leaves the weights the run learns as they were. */
static void
test_inside_training (void)
{
  DlWindow *window = make_window ();
  DlSession *session = dl_window_get_session (window);
  DlTraining *training = dl_session_get_training (session);
  DlInsidePage *page = inside_page (window);
  g_autoptr(NnDataset) ds = strokes_dataset (640, 64);
  NnTrainConfig config;
  g_autoptr(GError) error = NULL;
  guint n_filters = 0;
  gboolean done = FALSE;
  gint64 end;

  dl_page_present (DL_PAGE (page));
  g_assert_null (dl_inside_page_get_training_filters (page));
  nn_train_config_init (&config);
  config.spec = g_strdup (NN_SPEC_REFERENCE);
  config.epochs = 1;
  /* more than DL_TRAINING_FILTERS_EVERY batches: the filters are taken twice */
  config.batch_size = 2;
  config.validation_size = 64;
  config.progress_every = 5;
  config.n_threads = 1;
  g_signal_connect (training, "filters", G_CALLBACK (on_filters), &n_filters);
  g_signal_connect (training, "finished", G_CALLBACK (on_finished), &done);
  g_assert_true (dl_training_start (training, &config, ds, &error));
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (n_filters == 0 && !done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_filters, ==, 1);
  g_assert_false (done);
  {
    const DlTrainingFilters *filters = dl_training_get_filters (training);
    GtkWidget *grid = dl_inside_page_get_training_filters (page);
    size_t n;
    const float *tiles;

    g_assert_nonnull (filters);
    g_assert_nonnull (grid);
    tiles = tiles_of (grid, &n);
    g_assert_cmpuint (n, ==, 32 * 9);
    assert_floats_equal (tiles, filters->weights, n);

    /* with another page shown, the next filters wait for this one: a page nobody sees lays
     * nothing out while the run trains */
    dl_page_present (DL_PAGE (dl_window_get_draw_page (window)));
    spin ();
    g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (page)));
    dl_training_set_paused (training, FALSE);
    while (n_filters < 2 && !done && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
    g_assert_cmpuint (n_filters, ==, 2);
    g_assert_false (done);
    filters = dl_training_get_filters (training);
    tiles = tiles_of (grid, &n);
    g_assert_cmpuint (n, ==, 32 * 9);
    g_assert_false (memcmp (tiles, filters->weights, n * sizeof (float)) == 0);
    dl_page_present (DL_PAGE (page));
    spin ();
    tiles = tiles_of (grid, &n);
    assert_floats_equal (tiles, filters->weights, n);
  }
  end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (!done && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (done);
  spin ();
  g_assert_null (dl_inside_page_get_training_filters (page));

  /* taking the filters between batches changes nothing the run learns: the same recipe
   * trained by the engine alone, without hooks, gives the same weights bit for bit */
  {
    g_autoptr(NnModel) app_model = dl_training_dup_model (training, &error);
    g_autoptr(NnTrainer) trainer = nn_trainer_new (&config, ds, &error);
    g_autoptr(NnModel) engine_model = NULL;
    gboolean stopped = FALSE;
    NnNetwork *a, *b;

    g_assert_no_error (error);
    g_assert_true (nn_trainer_run (trainer, NULL, &stopped, &error));
    g_assert_no_error (error);
    engine_model = nn_trainer_dup_best_model (trainer, 1, &error);
    g_assert_no_error (error);
    a = app_model->net;
    b = engine_model->net;
    g_assert_cmpuint (nn_network_get_n_params (a), ==, nn_network_get_n_params (b));
    g_assert_cmpint (memcmp (nn_network_get_params (a), nn_network_get_params (b),
                             nn_network_get_n_params (a) * sizeof (float)), ==, 0);
  }
  g_signal_handlers_disconnect_by_data (training, &n_filters);
  g_signal_handlers_disconnect_by_data (training, &done);
  nn_train_config_clear (&config);
  close_window (window);
}

/* Pictures for the README when DIGIT_LAB_SCREENSHOT_DIR names a folder: the Inside page for a
 * drawing and for a dataset image (real MNIST when DIGIT_LAB_MNIST_DIR has it), light and dark,
 * 360 px wide, and one at full width. */
static void
shoot (DlWindow   *window,
       const char *dir,
       const char *name)
{
  g_autofree char *file = g_strdup_printf ("%s.png", name);
  g_autofree char *built = g_test_build_filename (G_TEST_BUILT, file, NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *contents = NULL;
  gsize length;

  /* a new size takes a few frames to settle (the flow boxes reflow, the revealer animates) */
  for (int i = 0; i < 100; i++)
    {
      spin ();
      g_usleep (10000);
    }
  save_png (GTK_WIDGET (window), file);
  g_assert_true (g_file_get_contents (built, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (path, contents, (gssize) length, NULL));
  g_test_message ("screenshot %s", path);
}

static void
resize (DlWindow *window,
        int       width,
        int       height)
{
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  for (int i = 0; i < 20; i++)
    {
      spin ();
      g_usleep (10000);
    }
}

static void
test_inside_screenshots (void)
{
  const char *dir = g_getenv ("DIGIT_LAB_SCREENSHOT_DIR");
  const char *mnist = g_getenv ("DIGIT_LAB_MNIST_DIR");
  AdwStyleManager *style = adw_style_manager_get_default ();
  const double seven[] = { 0.3, 0.25, 0.7, 0.25, 0.45, 0.8 };
  DlWindow *window;
  DlInsidePage *page;
  g_autoptr(NnDataset) ds = NULL;

  if (dir == NULL)
    {
      g_test_skip ("set DIGIT_LAB_SCREENSHOT_DIR to write the README's pictures");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  if (mnist != NULL)
    {
      g_autoptr(GError) error = NULL;

      ds = nn_dataset_load_dir (mnist, &error);
      g_assert_no_error (error);
    }
  else
    ds = strokes_dataset (400, 50);
  window = make_window ();
  page = inside_page (window);
  dl_window_set_dataset (window, nn_dataset_ref (ds));
  dl_page_present (DL_PAGE (page));
  wait_for_embeddings (page);

  for (int dark = 0; dark < 2; dark++)
    {
      adw_style_manager_set_color_scheme (style, dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                      : ADW_COLOR_SCHEME_FORCE_LIGHT);
      resize (window, 360, 760);
      /* the seven drawn on the page's own canvas */
      dl_page_present (DL_PAGE (page));
      dl_canvas_clear (DL_CANVAS (dl_inside_page_get_canvas (page)));
      draw_polyline (DL_CANVAS (dl_inside_page_get_canvas (page)), seven, 3);
      wait_until_idle (page);
      shoot (window, dir, dark ? "inside-drawing-dark" : "inside-drawing");
      dl_canvas_clear (DL_CANVAS (dl_inside_page_get_canvas (page)));
      dl_dataset_page_show_image (dl_window_get_dataset_page (window), FALSE, 4);
      dl_page_present (DL_PAGE (page));
      wait_until_idle (page);
      shoot (window, dir, dark ? "inside-dataset-dark" : "inside-dataset");
    }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  resize (window, 1200, 1500);
  dl_page_present (DL_PAGE (page));
  dl_inside_page_enlarge (page, 0, 5);
  wait_until_idle (page);
  shoot (window, dir, "inside");
  /* the whole page, scrolled or not, to look at every layer */
  {
    GtkWidget *clamp = gtk_widget_get_ancestor (dl_inside_page_get_saliency_view (page),
                                                ADW_TYPE_CLAMP);

    save_png (clamp, "inside-page-full.png");
  }
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  close_window (window);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *cache = NULL;

  /* windows must not pick up a dataset of the machine's; each test gives its own */
  g_setenv ("DIGIT_LAB_DATA_DIR", "/nonexistent/digit-lab-data", TRUE);
  /* embeddings are cached in a folder of the test's own */
  cache = g_dir_make_tmp ("digit-lab-cache-XXXXXX", NULL);
  g_assert_nonnull (cache);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  if (g_strcmp0 (g_getenv ("DISPLAY"), "") <= 0 && g_strcmp0 (g_getenv ("WAYLAND_DISPLAY"), "") <= 0)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("no display: the GUI tests need one (run under xvfb-run)");
      g_print ("1..0 # SKIP no display\n");
      return 0;
    }
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/app/inside/drawing", test_inside_drawing);
  g_test_add_func ("/app/inside/own-canvas", test_inside_own_canvas);
  g_test_add_func ("/app/inside/class", test_inside_class);
  g_test_add_func ("/app/inside/nearest", test_inside_nearest);
  g_test_add_func ("/app/inside/architectures", test_inside_architectures);
  g_test_add_func ("/app/inside/training", test_inside_training);
  g_test_add_func ("/app/inside/screenshots", test_inside_screenshots);
  {
    int status = g_test_run ();
    g_autofree char *embeddings = g_build_filename (cache, "digit-lab", "embeddings", NULL);
    g_autofree char *parent = g_build_filename (cache, "digit-lab", NULL);
    g_autoptr(GDir) d = g_dir_open (embeddings, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (embeddings, name, NULL);

        g_remove (path);
      }
    g_rmdir (embeddings);
    g_rmdir (parent);
    g_rmdir (cache);
    return status;
  }
}
