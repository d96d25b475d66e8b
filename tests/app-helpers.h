/* app-helpers.h: what the GUI tests share — spinning the main loop, windows, strokes, PNGs */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "dl-canvas.h"
#include "dl-window.h"
#include "dl-window-private.h"
#include "nn-dataset.h"
#include "nn-rng.h"

static inline void
spin (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Files opened through the window are read on a worker: wait until they all have been. */
static inline void
wait_for_opening (DlWindow *window)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (dl_window_is_opening (window) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  g_assert_false (dl_window_is_opening (window));
  spin ();
}

/* A window as the app opens it: with the model a test trained or opened before, if any. */
static inline DlWindow *
make_window_remembering (void)
{
  DlWindow *window = g_object_new (DL_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  return window;
}

/* A window with the built-in model: what earlier tests trained or opened is forgotten. */
static inline DlWindow *
make_window (void)
{
  g_autoptr(GSettings) settings = g_settings_new ("io.github.digitlab.DigitLab");
  DlWindow *window;

  g_settings_reset (settings, "model-path");
  g_settings_reset (settings, "model-description");
  window = g_object_new (DL_TYPE_WINDOW, NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_present (GTK_WINDOW (window));
  spin ();
  return window;
}

static inline void
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
static inline void
draw_polyline (DlCanvas     *canvas,
               const double *xy,
               size_t        n_points)
{
  dl_canvas_begin_stroke (canvas, xy[0], xy[1], -1);
  for (size_t i = 1; i < n_points; i++)
    dl_canvas_extend_stroke (canvas, xy[2 * i], xy[2 * i + 1], -1);
  dl_canvas_end_stroke (canvas);
}

static inline void
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

/* A small learnable dataset: a bar of brightness bar in one of ten places, 28×28, with noise
 * (seeded); with wrong_labels, one label in ten is drawn at random, so that accuracies stay
 * below 100%. */
static inline NnDataset *
bars_dataset_full (size_t   n_train,
                   size_t   n_test,
                   guint8   bar,
                   gboolean wrong_labels)
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

          set->labels[i] = wrong_labels && nn_rng_below (&rng, 10) == 0
                           ? (guint8) nn_rng_below (&rng, 10) : label;
          for (int p = 0; p < 784; p++)
            img[p] = (guint8) nn_rng_below (&rng, 30);
          for (int t = 4; t < 24; t++)
            img[t * 28 + 2 + 2 * label] = bar;
        }
    }
  return ds;
}

/* Bright bars and right labels: a dataset any network learns at once. */
static inline NnDataset *
bars_dataset (size_t n_train,
              size_t n_test)
{
  return bars_dataset_full (n_train, n_test, 250, FALSE);
}
