/* test-app-files.c: the app with every kind of bad file, and with models that do not fit the
 * data — opened through the menu's code path, dropped on the window and given to Open With */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <adwaita.h>

#include "app-helpers.h"
#include "dl-application.h"
#include "dl-probability-chart.h"
#include "fixtures.h"
#include "nn-dataset.h"
#include "nn-png.h"

#define RESOURCE "/io/github/digitlab/DigitLab/model/"

static const double one[] = { 0.52, 0.15, 0.5, 0.5, 0.48, 0.85 };

static gboolean
on_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Lets the window lay out and draw for a while. */
static void
settle (void)
{
  gboolean done = FALSE;

  g_timeout_add (150, on_timeout, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static AdwViewStack *
find_view_stack (GtkWidget *widget)
{
  if (ADW_IS_VIEW_STACK (widget))
    return ADW_VIEW_STACK (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      AdwViewStack *stack = find_view_stack (child);

      if (stack != NULL)
        return stack;
    }
  return NULL;
}

/* Shows one page of the window, then renders it into the build folder. */
static void
render_page (DlWindow   *window,
             const char *page,
             const char *file)
{
  adw_view_stack_set_visible_child_name (find_view_stack (GTK_WIDGET (window)), page);
  settle ();
  save_png (GTK_WIDGET (window), file);
}

/* The bundled model's two files, as text and bytes. */
static void
bundled_files (char   **config,
               GBytes **weights)
{
  g_autoptr(GBytes) c = g_resources_lookup_data (RESOURCE "config.json", 0, NULL);

  g_assert_nonnull (c);
  *config = g_strndup (g_bytes_get_data (c, NULL), g_bytes_get_size (c));
  *weights = g_resources_lookup_data (RESOURCE "model.safetensors", 0, NULL);
  g_assert_nonnull (*weights);
}

/* A model folder whose config.json is the bundled one with `from` replaced by `to`. */
static char *
edited_model (const char *dir,
              const char *name,
              const char *from,
              const char *to)
{
  g_autofree char *config = NULL;
  g_autoptr(GBytes) weights = NULL;
  g_autoptr(GString) edited = NULL;
  char *folder = g_build_filename (dir, name, NULL);
  g_autofree char *config_path = g_build_filename (folder, "config.json", NULL);
  g_autofree char *weights_path = g_build_filename (folder, "model.safetensors", NULL);

  bundled_files (&config, &weights);
  g_assert_nonnull (strstr (config, from));
  edited = g_string_new (config);
  g_string_replace (edited, from, to, 1);
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_assert_true (g_file_set_contents (config_path, edited->str, -1, NULL));
  g_assert_true (g_file_set_contents (weights_path, g_bytes_get_data (weights, NULL),
                                      (gssize) g_bytes_get_size (weights), NULL));
  return folder;
}

typedef struct
{
  char  *dir;
  GPtrArray *models;     /* paths of files that are no model */
  GPtrArray *images;     /* paths of files that are no picture to classify */
} BadFiles;

static void
bad_files_free (BadFiles *bad)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", bad->dir);

  g_assert_cmpint (system (cmd), ==, 0);
  g_free (bad->dir);
  g_ptr_array_unref (bad->models);
  g_ptr_array_unref (bad->images);
  g_free (bad);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BadFiles, bad_files_free)

/* Every class of bad file, generated: each must be refused without hanging or crashing. */
static BadFiles *
bad_files_new (void)
{
  BadFiles *bad = g_new0 (BadFiles, 1);
  g_autofree char *config = NULL;
  g_autoptr(GBytes) weights = NULL;
  g_autofree char *truncated = NULL, *fifo = NULL, *fifo_png = NULL, *empty = NULL;
  g_autofree char *text_png = NULL, *blank_png = NULL;
  guint8 blank[28 * 28] = { 0 };

  bad->dir = fixture_dir ();
  bad->models = g_ptr_array_new_with_free_func (g_free);
  bad->images = g_ptr_array_new_with_free_func (g_free);
  bundled_files (&config, &weights);

  /* models: cut short, a bad architecture, a huge input, endless, blocking, an empty folder */
  truncated = g_build_filename (bad->dir, "truncated.safetensors", NULL);
  g_assert_true (g_file_set_contents (truncated, g_bytes_get_data (weights, NULL),
                                      (gssize) g_bytes_get_size (weights) / 3, NULL));
  g_ptr_array_add (bad->models, g_steal_pointer (&truncated));
  g_ptr_array_add (bad->models, edited_model (bad->dir, "bad-spec", "conv(32,3", "conv(-32,3"));
  g_ptr_array_add (bad->models, edited_model (bad->dir, "huge", "\"input_shape\": [1, 28, 28]",
                                              "\"input_shape\": [1, 100000, 100000]"));
  {
    g_autofree char *folder = edited_model (bad->dir, "bad-spec-config", "dense(128)",
                                            "dense(twelve)");

    g_ptr_array_add (bad->models, g_build_filename (folder, "config.json", NULL));
  }
  g_ptr_array_add (bad->models, g_strdup ("/dev/zero"));
  fifo = g_build_filename (bad->dir, "fifo.safetensors", NULL);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_ptr_array_add (bad->models, g_steal_pointer (&fifo));
  empty = g_build_filename (bad->dir, "empty-folder", NULL);
  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  g_ptr_array_add (bad->models, g_steal_pointer (&empty));

  /* pictures: text named .png, a blank picture, endless, blocking */
  text_png = g_build_filename (bad->dir, "text.png", NULL);
  g_assert_true (g_file_set_contents (text_png, "plain text, not a PNG", -1, NULL));
  g_ptr_array_add (bad->images, g_steal_pointer (&text_png));
  blank_png = g_build_filename (bad->dir, "blank.png", NULL);
  g_assert_true (nn_png_save_gray (blank_png, blank, 28, 28, 28, NULL));
  g_ptr_array_add (bad->images, g_steal_pointer (&blank_png));
  g_ptr_array_add (bad->images, g_strdup ("/dev/zero"));
  fifo_png = g_build_filename (bad->dir, "fifo.png", NULL);
  g_assert_cmpint (mkfifo (fifo_png, 0600), ==, 0);
  g_ptr_array_add (bad->images, g_steal_pointer (&fifo_png));
  return bad;
}

typedef void (*OpenFunc) (DlWindow *window,
                          GFile    *file,
                          gboolean  is_model);

/* The error dialog the window shows, as "heading: body", closed; NULL when there is none. */
static char *
take_error (DlWindow *window)
{
  GtkWidget *dialog = dl_window_get_error_dialog (window);
  char *text;

  if (dialog == NULL)
    return NULL;
  g_assert_true (gtk_widget_get_visible (dialog));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (window));
  text = g_strdup_printf ("%s: %s", adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)),
                          adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)));
  /* closed as Close or Escape closes it, while something else still holds it: the next error
   * must show a dialog again, not add to this one */
  g_object_ref (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_close (GTK_WINDOW (dialog));
  spin ();
  g_assert_false (gtk_widget_get_visible (dialog));
  g_assert_null (dl_window_get_error_dialog (window));
  g_object_unref (dialog);
  return text;
}

/* What each entry point reaches: the menu's chooser ends in dl_window_open_model_file or
 * dl_window_open_image */
static void
open_as_menu (DlWindow *window,
              GFile    *file,
              gboolean  is_model)
{
  if (is_model)
    dl_window_open_model_file (window, file);
  else
    dl_window_open_image (window, file);
}

static GtkDropTarget *
find_drop_target (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  return NULL;
}

/* A file dropped on the window, as the file manager gives it: the drop target's handler */
static void
open_as_drop (DlWindow *window,
              GFile    *file,
              gboolean  is_model)
{
  GtkDropTarget *target = find_drop_target (GTK_WIDGET (window));
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_assert_nonnull (target);
  g_value_init (&value, G_TYPE_FILE);
  g_value_set_object (&value, file);
  g_signal_emit_by_name (target, "drop", &value, 100.0, 100.0, &accepted);
  g_assert_true (accepted);
}

/* Open With from a file manager: the application's open signal */
static void
open_as_application (DlWindow *window,
                     GFile    *file,
                     gboolean  is_model)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (window)));

  g_assert_nonnull (app);
  g_application_open (app, &file, 1, "");
}

/* Each bad file through open (): a toast with a sentence and the reason, and nothing changes —
 * the same model, the same prediction of what is drawn, the Draw page's bars. */
static void
check_bad_files_refused (DlWindow *window,
                         OpenFunc  open)
{
  g_autoptr(BadFiles) bad = bad_files_new ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  DlProbabilityChart *chart = DL_PROBABILITY_CHART (dl_draw_page_get_figure (page));
  NnModel *model = dl_window_get_model (window);
  g_autofree char *summary = NULL;
  int prediction;

  g_assert_nonnull (model);
  draw_polyline (canvas, one, 3);
  spin ();
  prediction = dl_draw_page_get_prediction (page);
  g_assert_cmpint (prediction, >=, 0);
  summary = g_strdup (dl_probability_chart_get_summary (chart));

  for (int kind = 0; kind < 2; kind++)
    {
      GPtrArray *paths = kind == 0 ? bad->models : bad->images;
      const char *prefix = kind == 0 ? "Could Not Open the Model: "
                                     : "Could Not Classify the Image: ";

      for (guint i = 0; i < paths->len; i++)
        {
          g_autoptr(GFile) file = g_file_new_for_path (paths->pdata[i]);
          g_autofree char *error = NULL;
          gint64 start = g_get_monotonic_time ();

          open (window, file, kind == 0);
          wait_for_opening (window);
          error = take_error (window);
          g_test_message ("%s → %s (%.0f ms)", (char *) paths->pdata[i], error,
                          (g_get_monotonic_time () - start) / 1000.0);
          g_assert_nonnull (error);
          /* a drop or Open With goes by the name: /dev/zero is taken for a picture */
          g_assert_true (g_str_has_prefix (error, prefix) ||
                         (open != open_as_menu && g_str_has_prefix (error, "Could Not ")));
          g_assert_cmpuint (strlen (error), >, strlen (prefix) + 5);
          if (g_str_has_prefix (error, "Could Not Open the Model: "))
            g_assert_nonnull (strstr (error, "The model in use has not changed."));
          g_assert_true (dl_window_get_model (window) == model);
          g_assert_false (dl_canvas_is_empty (canvas));
          g_assert_cmpint (dl_draw_page_get_prediction (page), ==, prediction);
          g_assert_cmpstr (dl_probability_chart_get_summary (chart), ==, summary);
        }
    }
}

static void
test_bad_files_menu (void)
{
  DlWindow *window = make_window ();

  check_bad_files_refused (window, open_as_menu);
  close_window (window);
}

static void
test_bad_files_drop (void)
{
  DlWindow *window = make_window ();

  check_bad_files_refused (window, open_as_drop);
  close_window (window);
}

static void
test_bad_files_application (void)
{
  g_autoptr(DlApplication) app = dl_application_new ();
  g_autoptr(GError) error = NULL;
  DlWindow *window;

  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  spin ();
  window = DL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (window);
  check_bad_files_refused (window, open_as_application);
  close_window (window);
}

/* Class names "0" … "n−1", NULL-terminated. */
static char **
numbered_names (size_t n)
{
  char **names = g_new0 (char *, n + 1);

  for (size_t k = 0; k < n; k++)
    names[k] = g_strdup_printf ("%zu", k);
  return names;
}

/* A dataset of random images: n_classes, size × size, named as given. */
static NnDataset *
random_dataset (const char *name,
                size_t      size,
                char      **class_names)
{
  NnDataset *ds = nn_dataset_new ();
  NnRng rng;

  nn_rng_init (&rng, 3);
  ds->kind = NN_DATASET_CUSTOM;
  ds->name = g_strdup (name);
  ds->dir = g_strdup ("generated");
  ds->n_classes = g_strv_length (class_names);
  ds->class_names = class_names;
  ds->train = nn_image_set_new (40, size, size);
  ds->test = nn_image_set_new (20, size, size);
  for (int s = 0; s < 2; s++)
    {
      NnImageSet *set = s == 0 ? ds->train : ds->test;

      for (size_t i = 0; i < set->n_images * size * size; i++)
        set->pixels[i] = (guint8) nn_rng_below (&rng, 256);
      for (size_t i = 0; i < set->n_images; i++)
        set->labels[i] = (guint8) (i % ds->n_classes);
    }
  return ds;
}

/* A model (spec) with input C × H × W and n_classes, saved in dir/name; returns the folder. */
static char *
save_model (const char *dir,
            const char *name,
            const char *spec_text,
            size_t      C,
            size_t      H,
            size_t      W,
            size_t      n_classes,
            const char *dataset)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (spec_text, &error);
  g_auto(GStrv) names = numbered_names (n_classes);
  NnNormalisation norm = { 0.1f, 0.3f };
  g_autoptr(NnModel) model = NULL;
  char *folder = g_build_filename (dir, name, NULL);

  g_assert_no_error (error);
  model = nn_model_new (spec, C, H, W, NULL, &norm, dataset, (const char *const *) names, 1,
                        &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_save (model, folder, &error));
  g_assert_no_error (error);
  return folder;
}

static void
open_model_folder (DlWindow   *window,
                   const char *folder)
{
  g_autoptr(GFile) file = g_file_new_for_path (folder);
  NnModel *before = dl_window_get_model (window);

  dl_window_forget_last_toast (window);
  dl_window_open_model_file (window, file);
  wait_for_opening (window);
  g_test_message ("%s → %s", folder, dl_window_get_last_toast (window));
  g_assert_true (g_str_has_prefix (dl_window_get_last_toast (window), "Model opened"));
  g_assert_true (dl_window_get_model (window) != before);
}

/* Evaluate on a dataset that does not fit shows why, never a number; the Dataset page predicts
 * nothing and says why; export refuses. A fitting pair can be evaluated again. */
static void
check_unfit_pair (DlWindow *window)
{
  DlEvaluatePage *evaluate = dl_window_get_evaluate_page (window);
  DlDatasetPage *dataset_page = dl_window_get_dataset_page (window);
  g_autofree char *dir = fixture_dir ();
  g_autofree char *hub = g_build_filename (dir, "hub", NULL);
  g_autoptr(GError) error = NULL;
  const char *details;

  g_assert_cmpstr (dl_evaluate_page_get_visible_state (evaluate), ==, "unfit");
  g_assert_nonnull (dl_evaluate_page_get_unfit (evaluate));
  g_test_message ("evaluate: %s", dl_evaluate_page_get_unfit (evaluate)->message);
  gtk_widget_activate_action (GTK_WIDGET (evaluate), "evaluate.run", NULL);
  spin ();
  g_assert_null (dl_evaluate_page_get_evaluation (evaluate));
  g_assert_cmpstr (dl_evaluate_page_get_visible_state (evaluate), ==, "unfit");

  details = dl_dataset_page_select (dataset_page, 0);
  g_test_message ("dataset page: %s", details);
  g_assert_null (strstr (details, "predicted"));
  g_assert_nonnull (strstr (details, "No prediction"));

  g_assert_false (dl_window_export (window, hub, &error));
  g_assert_nonnull (error);
  g_test_message ("export: %s", error->message);
  g_assert_false (g_file_test (hub, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_unfit_model_and_data (void)
{
  DlWindow *window = make_window ();
  DlEvaluatePage *evaluate = dl_window_get_evaluate_page (window);
  g_autofree char *dir = fixture_dir ();
  const char *fashion_dir = "/usr/share/datasets/fashion-mnist";
  g_autofree char *rgb = save_model (dir, "rgb", "flatten dense(10)", 3, 28, 28, 10, "cifar");
  g_autofree char *big = save_model (dir, "big", "flatten dense(10)", 1, 32, 32, 10, "svhn");
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  char *letters[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", NULL };

  /* the bundled digit model, with the same images but other classes */
  dl_window_set_dataset (window, random_dataset ("letters", 28, g_strdupv (letters)));
  spin ();
  check_unfit_pair (window);
  /* and with fewer classes */
  dl_window_set_dataset (window, random_dataset ("five", 28, numbered_names (5)));
  spin ();
  check_unfit_pair (window);
  /* with 32 × 32 images */
  dl_window_set_dataset (window, random_dataset ("large", 32, numbered_names (10)));
  spin ();
  check_unfit_pair (window);
  render_page (window, "evaluate", "evaluate-unfit.png");

  /* a model made for 32 × 32 fits those images, and can be measured on them */
  open_model_folder (window, big);
  g_assert_cmpstr (dl_evaluate_page_get_visible_state (evaluate), ==, "empty");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (evaluate), "evaluate.run", NULL));
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (dl_evaluate_page_get_evaluation (evaluate) == NULL && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_nonnull (dl_evaluate_page_get_evaluation (evaluate));
  g_assert_cmpstr (dl_evaluate_page_get_visible_state (evaluate), ==, "results");
  /* the results were this pair's: another dataset drops them */
  dl_window_set_dataset (window, random_dataset ("digits", 28, numbered_names (10)));
  spin ();
  g_assert_null (dl_evaluate_page_get_evaluation (evaluate));
  check_unfit_pair (window);

  /* three channels cannot fit one-channel images */
  open_model_folder (window, rgb);
  check_unfit_pair (window);

  /* the real thing, where Debian's package is installed: a digit model on Fashion-MNIST */
  if (g_file_test (fashion_dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GError) error = NULL;
      NnDataset *fashion = nn_dataset_load_dir (fashion_dir, &error);
      g_autofree char *mnist = NULL;

      g_assert_no_error (error);
      dl_window_set_dataset (window, fashion);
      /* the bundled digit model again, from a folder */
      mnist = edited_model (dir, "mnist", "\"dataset\": \"mnist\"", "\"dataset\": \"mnist\"");
      open_model_folder (window, mnist);
      check_unfit_pair (window);
      g_assert_nonnull (strstr (dl_evaluate_page_get_unfit (evaluate)->message, "fashion-mnist"));
      render_page (window, "evaluate", "evaluate-fashion.png");
    }
  else
    g_test_message ("Fashion-MNIST not installed: the generated datasets only");
  close_window (window);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* A model whose input is not one 28 × 28 channel is kept, but the Draw page and pictures refuse
 * it with the reason; nothing is computed on the canvas's buffer. */
static void
test_unfit_model_draw (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  g_autofree char *dir = fixture_dir ();
  g_autofree char *png_path = g_build_filename (dir, "bar.png", NULL);
  g_autoptr(GFile) png = g_file_new_for_path (png_path);
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  const char *specs[][2] = { { "rgb", "flatten dense(10)" }, { "big", "flatten dense(10)" } };
  const size_t shapes[][3] = { { 3, 28, 28 }, { 1, 32, 32 } };
  guint8 pixels[28 * 28] = { 0 };

  for (int t = 4; t < 24; t++)
    pixels[t * 28 + 14] = 250;
  g_assert_true (nn_png_save_gray (png_path, pixels, 28, 28, 28, NULL));
  for (size_t i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autofree char *folder = save_model (dir, specs[i][0], specs[i][1], shapes[i][0],
                                            shapes[i][1], shapes[i][2], 10, "other");
      NnModel *model;

      open_model_folder (window, folder);
      model = dl_window_get_model (window);
      g_assert_cmpstr (dl_window_get_last_toast (window), ==, "Model opened, not for drawings");
      /* the toast's Details shows the Draw page, where the reason is */
      adw_view_stack_set_visible_child_name (find_view_stack (GTK_WIDGET (window)), "dataset");
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-page", "s", "draw"));
      g_assert_cmpstr (adw_view_stack_get_visible_child_name (find_view_stack (GTK_WIDGET (window))),
                       ==, "draw");
      g_assert_nonnull (dl_draw_page_get_unfit (page));
      draw_polyline (canvas, one, 3);
      spin ();
      g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);
      if (i == 0)
        render_page (window, "draw", "draw-unfit.png");

      dl_window_open_image (window, png);
      wait_for_opening (window);
      {
        g_autofree char *error = take_error (window);

        g_test_message ("%s", error);
        g_assert_nonnull (error);
        g_assert_true (g_str_has_prefix (error, "Could Not Classify the Image: "));
      }
      g_assert_cmpint (dl_draw_page_get_prediction (page), ==, -1);
      g_assert_true (dl_window_get_model (window) == model);
      dl_canvas_clear (canvas);
    }
  close_window (window);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* Paints the chart at w × h; returns how many pixels carry ink. */
static guint
paint_chart (DlProbabilityChart *chart,
             int                 w,
             int                 h)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (surface);
  guint inked = 0;

  dl_probability_chart_draw (chart, cr, w, h);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      inked += cairo_image_surface_get_data (surface)
                 [(size_t) y * cairo_image_surface_get_stride (surface) + 4 * x + 3] > 0;
  cairo_surface_destroy (surface);
  return inked;
}

/* 256 classes: the Draw page predicts one of them, the bars show the likeliest at any size. */
static void
test_many_classes (void)
{
  DlWindow *window = make_window ();
  DlDrawPage *page = dl_window_get_draw_page (window);
  DlCanvas *canvas = DL_CANVAS (dl_draw_page_get_canvas (page));
  DlProbabilityChart *chart = DL_PROBABILITY_CHART (dl_draw_page_get_figure (page));
  g_autofree char *dir = fixture_dir ();
  g_autofree char *folder = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("flatten dense(256)", &error);
  g_auto(GStrv) names = numbered_names (256);
  NnNormalisation norm = { 0.1f, 0.3f };
  g_autofree float *params = g_new0 (float, 28 * 28 * 256 + 256);
  g_autoptr(NnModel) model = NULL;
  const int sizes[][2] = { { 360, 300 }, { 800, 600 }, { 200, 20 }, { 40, 4000 }, { 1, 1 } };

  g_assert_no_error (error);
  /* the last class wins whatever is drawn */
  params[28 * 28 * 256 + 255] = 8.0f;
  model = nn_model_new (spec, 1, 28, 28, params, &norm, "many", (const char *const *) names, 1,
                        &error);
  g_assert_no_error (error);
  folder = g_build_filename (dir, "many", NULL);
  g_assert_true (nn_model_save (model, folder, &error));
  g_assert_no_error (error);
  open_model_folder (window, folder);
  g_assert_null (dl_draw_page_get_unfit (page));

  draw_polyline (canvas, one, 3);
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), ==, 255);
  g_test_message ("%s", dl_probability_chart_get_summary (chart));
  g_assert_true (g_str_has_prefix (dl_probability_chart_get_summary (chart),
                                   "Prediction 255 with "));
  for (size_t i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint inked = paint_chart (chart, sizes[i][0], sizes[i][1]);

      if (sizes[i][0] > 100)
        g_assert_cmpuint (inked, >, 50);
    }
  render_page (window, "draw", "draw-256-classes.png");

  /* the Dataset page with 256-class images */
  dl_window_set_dataset (window, random_dataset ("many", 28, numbered_names (256)));
  spin ();
  g_assert_nonnull (strstr (dl_dataset_page_select (dl_window_get_dataset_page (window), 3),
                            "predicted 255"));
  /* and back to ten classes: no bar is drawn past the new count */
  g_free (folder);
  folder = save_model (dir, "ten", "flatten dense(10)", 1, 28, 28, 10, "x");
  open_model_folder (window, folder);
  draw_polyline (canvas, one, 3);
  spin ();
  g_assert_cmpint (dl_draw_page_get_prediction (page), <, 10);
  for (size_t i = 0; i < G_N_ELEMENTS (sizes); i++)
    paint_chart (chart, sizes[i][0], sizes[i][1]);
  close_window (window);
  g_assert_cmpint (system (cmd), ==, 0);
}

/* A folder that is not a dataset (IDX files cut short) leaves the dataset in use. */
static void
test_broken_dataset_folder (void)
{
  DlWindow *window = make_window ();
  GListModel *images = dl_dataset_page_get_images (dl_window_get_dataset_page (window));
  g_autofree char *dir = fixture_dir ();
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  const char *names[] = { "train-images-idx3-ubyte", "t10k-images-idx3-ubyte" };
  gint64 end;

  dl_window_set_dataset (window, random_dataset ("digits", 28, numbered_names (10)));
  spin ();
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 60);
  fixture_write_split (dir, "train", 30, 28, 28, 10, FALSE, 1);
  fixture_write_split (dir, "t10k", 10, 28, 28, 10, FALSE, 2);
  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_autofree char *bytes = NULL;
      gsize length;

      g_assert_true (g_file_get_contents (path, &bytes, &length, NULL));
      g_assert_true (g_file_set_contents (path, bytes, (gssize) length / 2, NULL));
    }
  dl_window_open_dataset_folder (window, folder);
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dl_window_get_error_dialog (window) == NULL && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  {
    g_autofree char *error = take_error (window);

    g_test_message ("%s", error);
    g_assert_nonnull (error);
    g_assert_true (g_str_has_prefix (error, "Could Not Open the Dataset: "));
    g_assert_nonnull (strstr (error, "The dataset in use has not changed."));
  }
  g_assert_cmpuint (g_list_model_get_n_items (images), ==, 60);
  close_window (window);
  g_assert_cmpint (system (cmd), ==, 0);
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

    gtk_css_provider_load_from_resource (css, "/io/github/digitlab/DigitLab/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/app-files/bad-files/menu", test_bad_files_menu);
  g_test_add_func ("/app-files/bad-files/drop", test_bad_files_drop);
  g_test_add_func ("/app-files/bad-files/application-open", test_bad_files_application);
  g_test_add_func ("/app-files/unfit/evaluate-dataset-export", test_unfit_model_and_data);
  g_test_add_func ("/app-files/unfit/draw", test_unfit_model_draw);
  g_test_add_func ("/app-files/draw/256-classes", test_many_classes);
  g_test_add_func ("/app-files/dataset/broken-folder", test_broken_dataset_folder);
  return g_test_run ();
}
