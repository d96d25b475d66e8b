/* nn-preprocess.c: polarity, bounding box, area-averaged scaling and centring by mass */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-preprocess.h"

#include <math.h>
#include <string.h>

/* Ink below this is sensor noise or paper texture. */
#define INK_THRESHOLD 0.08f

static inline float
ink_at (const float *src,
        size_t       i)
{
  float v = src[i];

  return v >= INK_THRESHOLD ? MIN (v, 1.0f) : 0.0f;
}

/* Resamples the region (x0, y0, w, h) of src (H, W) into dst (dh, dw): box-filter averaging
 * when shrinking, bilinear when enlarging. Ink below the threshold reads as 0. */
static void
resample (float       *dst,
          size_t       dw,
          size_t       dh,
          const float *src,
          size_t       W,
          size_t       x0,
          size_t       y0,
          size_t       w,
          size_t       h)
{
  double sx = (double) w / dw, sy = (double) h / dh;

  for (size_t oy = 0; oy < dh; oy++)
    for (size_t ox = 0; ox < dw; ox++)
      {
        double acc = 0, area = 0;

        if (sx >= 1.0 && sy >= 1.0)
          {
            /* exact coverage of the source box [ox·sx, (ox+1)·sx) × [oy·sy, (oy+1)·sy) */
            double bx0 = ox * sx, bx1 = (ox + 1) * sx, by0 = oy * sy, by1 = (oy + 1) * sy;

            for (size_t y = (size_t) by0; y < MIN ((size_t) ceil (by1), h); y++)
              {
                double cy = MIN (by1, y + 1.0) - MAX (by0, (double) y);

                if (cy <= 0)
                  continue;
                for (size_t x = (size_t) bx0; x < MIN ((size_t) ceil (bx1), w); x++)
                  {
                    double cx = MIN (bx1, x + 1.0) - MAX (bx0, (double) x);

                    if (cx <= 0)
                      continue;
                    acc += cx * cy * ink_at (src, (y0 + y) * W + x0 + x);
                    area += cx * cy;
                  }
              }
            dst[oy * dw + ox] = area > 0 ? (float) (acc / area) : 0.0f;
          }
        else
          {
            double fx = CLAMP ((ox + 0.5) * sx - 0.5, 0.0, (double) w - 1);
            double fy = CLAMP ((oy + 0.5) * sy - 0.5, 0.0, (double) h - 1);
            size_t ix = (size_t) fx, iy = (size_t) fy;
            size_t ix1 = MIN (ix + 1, w - 1), iy1 = MIN (iy + 1, h - 1);
            double ax = fx - ix, ay = fy - iy;
            size_t r0 = (y0 + iy) * W + x0, r1 = (y0 + iy1) * W + x0;

            dst[oy * dw + ox] = (float) ((1 - ay) * ((1 - ax) * ink_at (src, r0 + ix) +
                                                     ax * ink_at (src, r0 + ix1)) +
                                         ay * ((1 - ax) * ink_at (src, r1 + ix) +
                                               ax * ink_at (src, r1 + ix1)));
          }
      }
}

static gboolean
centre_ink (float            *out,
            const float      *ink,
            size_t            width,
            size_t            height,
            NnPreprocessInfo *info)
{
  const size_t S = NN_PREPROCESS_SIZE, BOX = NN_PREPROCESS_BOX;
  size_t x0 = width, y0 = height, x1 = 0, y1 = 0;
  size_t pw, ph;
  double scale, mass = 0, mx = 0, my = 0, offx, offy;
  g_autofree float *patch = NULL;   /* (ph, pw) */

  memset (out, 0, sizeof (float) * S * S);
  for (size_t y = 0; y < height; y++)
    for (size_t x = 0; x < width; x++)
      if (ink[y * width + x] >= INK_THRESHOLD)
        {
          x0 = MIN (x0, x);
          y0 = MIN (y0, y);
          x1 = MAX (x1, x + 1);
          y1 = MAX (y1, y + 1);
        }
  if (x0 >= x1 || y0 >= y1)
    return FALSE;

  scale = (double) BOX / MAX (x1 - x0, y1 - y0);
  pw = CLAMP ((size_t) lround ((x1 - x0) * scale), 1, BOX);
  ph = CLAMP ((size_t) lround ((y1 - y0) * scale), 1, BOX);
  patch = g_new (float, pw * ph);
  resample (patch, pw, ph, ink, width, x0, y0, x1 - x0, y1 - y0);

  for (size_t y = 0; y < ph; y++)
    for (size_t x = 0; x < pw; x++)
      {
        double v = patch[y * pw + x];

        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
  if (mass <= 0)
    return FALSE;
  /* move the centre of mass to (S/2, S/2) */
  offx = S / 2.0 - mx / mass;
  offy = S / 2.0 - my / mass;

  for (size_t oy = 0; oy < S; oy++)
    for (size_t ox = 0; ox < S; ox++)
      {
        /* patch index coordinates of this output pixel's centre */
        double px = ox - offx, py = oy - offy;
        double fx = floor (px), fy = floor (py);
        double ax = px - fx, ay = py - fy;
        long ix = (long) fx, iy = (long) fy;
        double v = 0;

        for (int dy = 0; dy < 2; dy++)
          for (int dx = 0; dx < 2; dx++)
            {
              long sx = ix + dx, sy = iy + dy;
              double wgt = (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);

              if (sx >= 0 && sy >= 0 && sx < (long) pw && sy < (long) ph)
                v += wgt * patch[sy * pw + sx];
            }
        out[oy * S + ox] = (float) MIN (v, 1.0);
      }

  if (info != NULL)
    {
      double m = 0, cx = 0, cy = 0;

      for (size_t y = 0; y < S; y++)
        for (size_t x = 0; x < S; x++)
          {
            m += out[y * S + x];
            cx += out[y * S + x] * (x + 0.5);
            cy += out[y * S + x] * (y + 0.5);
          }
      info->bbox_x = x0;
      info->bbox_y = y0;
      info->bbox_width = x1 - x0;
      info->bbox_height = y1 - y0;
      info->com_x = m > 0 ? cx / m : 0;
      info->com_y = m > 0 ? cy / m : 0;
    }
  return TRUE;
}

gboolean
nn_preprocess_digit_float (float            *out,
                           const float      *ink,
                           size_t            width,
                           size_t            height,
                           NnPreprocessInfo *info)
{
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (ink != NULL || width == 0 || height == 0, FALSE);
  g_return_val_if_fail (height == 0 || width <= G_MAXSIZE / sizeof (float) / height, FALSE);

  if (info != NULL)
    memset (info, 0, sizeof *info);
  if (width == 0 || height == 0)
    {
      memset (out, 0, sizeof (float) * NN_PREPROCESS_SIZE * NN_PREPROCESS_SIZE);
      return FALSE;
    }
  return centre_ink (out, ink, width, height, info);
}

gboolean
nn_preprocess_digit (float            *out,
                     const guint8     *gray,
                     size_t            width,
                     size_t            height,
                     size_t            stride,
                     NnPreprocessInfo *info)
{
  g_autofree float *ink = NULL;   /* (height, width) */
  guint64 border_sum = 0, n_border = 0;
  guint8 lo = 255, hi = 0;
  gboolean inverted;
  double background;
  gboolean ok;

  g_return_val_if_fail (out != NULL && stride >= width, FALSE);
  g_return_val_if_fail (gray != NULL || width == 0 || height == 0, FALSE);
  g_return_val_if_fail (height == 0 || width <= G_MAXSIZE / sizeof (float) / height, FALSE);

  if (width == 0 || height == 0)
    return nn_preprocess_digit_float (out, NULL, 0, 0, info);
  for (size_t y = 0; y < height; y++)
    for (size_t x = 0; x < width; x++)
      {
        guint8 v = gray[y * stride + x];

        lo = MIN (lo, v);
        hi = MAX (hi, v);
        if (y == 0 || x == 0 || y == height - 1 || x == width - 1)
          {
            border_sum += v;
            n_border++;
          }
      }
  /* the border is background: a light border means dark ink */
  background = (double) border_sum / n_border;
  inverted = background > 127.5;
  ink = g_new (float, width * height);
  {
    double bg = inverted ? 255 - background : background;
    double peak = inverted ? 255 - lo : hi;
    float scale = (float) (1.0 / MAX (peak - bg, 1.0));
    float shift = (float) bg;

    for (size_t y = 0; y < height; y++)
      for (size_t x = 0; x < width; x++)
        {
          float v = gray[y * stride + x];
          float level = ((inverted ? 255.0f - v : v) - shift) * scale;

          ink[y * width + x] = level < 0.0f ? 0.0f : level > 1.0f ? 1.0f : level;
        }
    /* a flat picture has no ink, whatever its colour */
    if (peak - bg < 16)
      memset (ink, 0, sizeof (float) * width * height);
  }
  ok = nn_preprocess_digit_float (out, ink, width, height, info);
  if (info != NULL)
    info->inverted = inverted;
  return ok;
}
