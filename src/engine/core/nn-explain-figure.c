/* nn-explain-figure.c: the Inside view's figures rasterised into RGBA and saved as PNG */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-explain-figure.h"

#include <math.h>
#include <string.h>

#include "nn-png.h"

#define GAP 2
#define BACKGROUND 96        /* a neutral grey between the maps' darkest and lightest */
#define BAR_HEIGHT 128       /* a vector's chart */
#define MAX_BARS_WIDTH 4096

typedef struct
{
  size_t  width, height;
  guint8 *rgba;             /* (height, width, 4) */
} Canvas;

static gboolean
canvas_init (Canvas  *c,
             size_t   width,
             size_t   height,
             GError **error)
{
  c->rgba = NULL;
  if (width == 0 || height == 0 || width > NN_PNG_MAX_SIDE || height > NN_PNG_MAX_SIDE ||
      (guint64) width * height > NN_PNG_MAX_PIXELS)
    {
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
                   "A figure of %zu×%zu pixels is larger than a PNG may be here (%d on a side)",
                   width, height, NN_PNG_MAX_SIDE);
      return FALSE;
    }
  c->width = width;
  c->height = height;
  c->rgba = g_try_malloc (4 * width * height);
  if (c->rgba == NULL)
    {
      g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
                   "Not enough memory for a figure of %zu×%zu pixels", width, height);
      return FALSE;
    }
  for (size_t k = 0; k < width * height; k++)
    {
      c->rgba[4 * k] = c->rgba[4 * k + 1] = c->rgba[4 * k + 2] = BACKGROUND;
      c->rgba[4 * k + 3] = 255;
    }
  return TRUE;
}

static void
canvas_rect (Canvas       *c,
             size_t        x0,
             size_t        y0,
             size_t        w,
             size_t        h,
             const guint8  rgb[3])
{
  for (size_t y = y0; y < MIN (y0 + h, c->height); y++)
    for (size_t x = x0; x < MIN (x0 + w, c->width); x++)
      {
        guint8 *p = c->rgba + 4 * (y * c->width + x);

        p[0] = rgb[0];
        p[1] = rgb[1];
        p[2] = rgb[2];
      }
}

static gboolean
canvas_save (Canvas      *c,
             const char  *path,
             GError     **error)
{
  gboolean ok = nn_png_save_rgba (path, c->rgba, c->width, c->height, 4 * c->width, error);

  g_clear_pointer (&c->rgba, g_free);
  return ok;
}

static gboolean
check_zoom (size_t   zoom,
            GError **error)
{
  if (zoom >= 1 && zoom <= NN_EXPLAIN_FIGURE_MAX_ZOOM)
    return TRUE;
  g_set_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE,
               "A figure's zoom must be 1 to %d, not %zu", NN_EXPLAIN_FIGURE_MAX_ZOOM, zoom);
  return FALSE;
}

/* Size of n tiles of tw × th in columns: each tile GAP apart and from the edges. */
static void
grid_size (size_t  n,
           size_t  columns,
           size_t  tw,
           size_t  th,
           size_t *width,
           size_t *height)
{
  size_t rows = (n + columns - 1) / columns;

  *width = columns * (tw + GAP) + GAP;
  *height = rows * (th + GAP) + GAP;
}

static void
grey (float   v,
      guint8  rgb[3])
{
  if (isnan (v))
    v = 0.0f;
  rgb[0] = rgb[1] = rgb[2] = (guint8) lrintf (255.0f * CLAMP (v, 0.0f, 1.0f));
}

gboolean
nn_explain_figure_save_image (const char   *path,
                              const float  *image,
                              size_t        h,
                              size_t        w,
                              size_t        zoom,
                              GError      **error)
{
  Canvas c;

  g_return_val_if_fail (path != NULL && image != NULL, FALSE);

  if (!check_zoom (zoom, error) || !canvas_init (&c, w * zoom, h * zoom, error))
    return FALSE;
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++)
      {
        guint8 rgb[3];

        grey (image[y * w + x], rgb);
        canvas_rect (&c, x * zoom, y * zoom, zoom, zoom, rgb);
      }
  return canvas_save (&c, path, error);
}

static float
largest_magnitude (const float *values,
                   size_t       n)
{
  float m = 0.0f;

  for (size_t k = 0; k < n; k++)
    if (isfinite (values[k]))
      m = MAX (m, fabsf (values[k]));
  return m;
}

gboolean
nn_explain_figure_save_overlay (const char   *path,
                                const float  *image,
                                const float  *map,
                                size_t        h,
                                size_t        w,
                                float         scale,
                                size_t        zoom,
                                GError      **error)
{
  Canvas c;

  g_return_val_if_fail (path != NULL && image != NULL && map != NULL, FALSE);

  if (!(scale > 0.0f) || !isfinite (scale))
    scale = largest_magnitude (map, h * w);
  if (!check_zoom (zoom, error) || !canvas_init (&c, w * zoom, h * zoom, error))
    return FALSE;
  for (size_t y = 0; y < h; y++)
    for (size_t x = 0; x < w; x++)
      {
        float t = scale > 0.0f ? map[y * w + x] / scale : 0.0f;
        float a;
        guint8 base[3], colour[3], rgb[3];

        if (!isfinite (t))
          t = 0.0f;
        t = CLAMP (t, -1.0f, 1.0f);
        a = fabsf (t);
        grey (image[y * w + x], base);
        nn_explain_diverging_rgb (t, colour);
        for (int k = 0; k < 3; k++)
          rgb[k] = (guint8) lrintf ((1.0f - a) * base[k] + a * colour[k]);
        canvas_rect (&c, x * zoom, y * zoom, zoom, zoom, rgb);
      }
  return canvas_save (&c, path, error);
}

gboolean
nn_explain_figure_save_filters (const char             *path,
                                const NnExplainFilters *f,
                                size_t                  zoom,
                                GError                **error)
{
  size_t tw, th, width, height;
  Canvas c;

  g_return_val_if_fail (path != NULL && f != NULL && f->weights != NULL, FALSE);

  if (!check_zoom (zoom, error))
    return FALSE;
  tw = f->kw * zoom;
  th = f->kh * zoom;
  grid_size (f->n_out * f->n_in, MAX (f->n_in, 1), tw, th, &width, &height);
  if (!canvas_init (&c, width, height, error))
    return FALSE;
  for (size_t o = 0; o < f->n_out; o++)
    for (size_t i = 0; i < f->n_in; i++)
      {
        const float *k = f->weights + (o * f->n_in + i) * f->kh * f->kw;
        size_t x0 = GAP + i * (tw + GAP), y0 = GAP + o * (th + GAP);

        for (size_t y = 0; y < f->kh; y++)
          for (size_t x = 0; x < f->kw; x++)
            {
              guint8 rgb[3];

              nn_explain_diverging_rgb (f->scale > 0 ? k[y * f->kw + x] / f->scale : 0.0f, rgb);
              canvas_rect (&c, x0 + x * zoom, y0 + y * zoom, zoom, zoom, rgb);
            }
      }
  return canvas_save (&c, path, error);
}

/* value's colour in the layer's map: sequential over [0, m] or diverging over [−m, m] */
static void
activation_rgb (float    v,
                float    m,
                gboolean signed_values,
                guint8   rgb[3])
{
  if (signed_values)
    nn_explain_diverging_rgb (m > 0 ? v / m : 0.0f, rgb);
  else
    nn_explain_sequential_rgb (m > 0 ? v / m : 0.0f, rgb);
}

gboolean
nn_explain_figure_save_activations (const char            *path,
                                    const NnExplainLayer  *layer,
                                    size_t                 zoom,
                                    GError               **error)
{
  size_t n, width, height;
  gboolean signed_values;
  float m;
  Canvas c;

  g_return_val_if_fail (path != NULL && layer != NULL && layer->values != NULL, FALSE);

  if (!check_zoom (zoom, error))
    return FALSE;
  n = layer->c * layer->h * layer->w;
  signed_values = layer->min < 0.0f;
  m = largest_magnitude (layer->values, n);

  if (layer->is_vector || layer->h * layer->w == 1)
    {
      /* bars, narrower when there are many values */
      size_t bar = MAX (1, MIN (zoom, MAX_BARS_WIDTH / MAX (n, 1)));
      size_t mid = signed_values ? GAP + BAR_HEIGHT / 2 : GAP + BAR_HEIGHT;

      if (!canvas_init (&c, n * bar + 2 * GAP, BAR_HEIGHT + 2 * GAP, error))
        return FALSE;
      for (size_t k = 0; k < n; k++)
        {
          float v = isfinite (layer->values[k]) ? layer->values[k] : 0.0f;
          float t = m > 0 ? v / m : 0.0f;
          size_t len = (size_t) lrintf (fabsf (t) * (signed_values ? BAR_HEIGHT / 2 : BAR_HEIGHT));
          guint8 rgb[3];

          activation_rgb (v, m, signed_values, rgb);
          if (len == 0)
            continue;
          if (v >= 0)
            canvas_rect (&c, GAP + k * bar, mid - len, bar, len, rgb);
          else
            canvas_rect (&c, GAP + k * bar, mid, bar, len, rgb);
        }
      return canvas_save (&c, path, error);
    }

  {
    size_t columns = (size_t) ceil (sqrt ((double) layer->c));
    size_t tw = layer->w * zoom, th = layer->h * zoom;

    columns = MAX (columns, 1);
    grid_size (layer->c, columns, tw, th, &width, &height);
    if (!canvas_init (&c, width, height, error))
      return FALSE;
    for (size_t ch = 0; ch < layer->c; ch++)
      {
        const float *plane = layer->values + ch * layer->h * layer->w;
        size_t x0 = GAP + (ch % columns) * (tw + GAP), y0 = GAP + (ch / columns) * (th + GAP);

        for (size_t y = 0; y < layer->h; y++)
          for (size_t x = 0; x < layer->w; x++)
            {
              guint8 rgb[3];

              activation_rgb (plane[y * layer->w + x], m, signed_values, rgb);
              canvas_rect (&c, x0 + x * zoom, y0 + y * zoom, zoom, zoom, rgb);
            }
      }
    return canvas_save (&c, path, error);
  }
}

gboolean
nn_explain_figure_save_grid (const char          *path,
                             const guint8 *const *images,
                             size_t               n,
                             size_t               h,
                             size_t               w,
                             size_t               columns,
                             size_t               zoom,
                             GError             **error)
{
  size_t tw, th, width, height;
  Canvas c;

  g_return_val_if_fail (path != NULL && (images != NULL || n == 0), FALSE);

  if (!check_zoom (zoom, error))
    return FALSE;
  columns = CLAMP (columns, 1, MAX (n, 1));
  tw = w * zoom;
  th = h * zoom;
  grid_size (MAX (n, 1), columns, tw, th, &width, &height);
  if (!canvas_init (&c, width, height, error))
    return FALSE;
  for (size_t i = 0; i < n; i++)
    {
      size_t x0 = GAP + (i % columns) * (tw + GAP), y0 = GAP + (i / columns) * (th + GAP);

      for (size_t y = 0; y < h; y++)
        for (size_t x = 0; x < w; x++)
          {
            guint8 v = images[i][y * w + x];
            guint8 rgb[3] = { v, v, v };

            canvas_rect (&c, x0 + x * zoom, y0 + y * zoom, zoom, zoom, rgb);
          }
    }
  return canvas_save (&c, path, error);
}
