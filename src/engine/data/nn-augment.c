/* nn-augment.c: inverse-mapped bilinear rotation, sin and cos computed once per image */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-augment.h"

#include <math.h>
#include <string.h>

void
nn_augment_rotate (float       *out,
                   const float *in,
                   size_t       H,
                   size_t       W,
                   float        degrees)
{
  const double theta = degrees * G_PI / 180.0;
  const float c = (float) cos (theta), s = (float) sin (theta);
  const float cx = (W - 1) * 0.5f, cy = (H - 1) * 0.5f;

  g_return_if_fail (out != in);

  for (size_t y = 0; y < H; y++)
    {
      const float dy = (float) y - cy;

      for (size_t x = 0; x < W; x++)
        {
          const float dx = (float) x - cx;
          /* source of an output pixel: turn it back by −θ (y grows downwards on screen) */
          const float sx = c * dx - s * dy + cx;
          const float sy = s * dx + c * dy + cy;
          const float fx = floorf (sx), fy = floorf (sy);
          const int x0 = (int) fx, y0 = (int) fy;
          const float ax = sx - fx, ay = sy - fy;
          float v = 0.0f;

          if (x0 >= -1 && y0 >= -1 && x0 < (int) W && y0 < (int) H)
            {
              float p00 = 0, p01 = 0, p10 = 0, p11 = 0;

              if (y0 >= 0)
                {
                  if (x0 >= 0)
                    p00 = in[y0 * W + x0];
                  if (x0 + 1 < (int) W)
                    p01 = in[y0 * W + x0 + 1];
                }
              if (y0 + 1 < (int) H)
                {
                  if (x0 >= 0)
                    p10 = in[(y0 + 1) * W + x0];
                  if (x0 + 1 < (int) W)
                    p11 = in[(y0 + 1) * W + x0 + 1];
                }
              v = (1 - ay) * ((1 - ax) * p00 + ax * p01) + ay * ((1 - ax) * p10 + ax * p11);
            }
          out[y * W + x] = v;
        }
    }
}

float
nn_augment_random_rotation (float       *out,
                            const float *in,
                            size_t       H,
                            size_t       W,
                            float        max_degrees,
                            NnRng       *rng)
{
  float degrees;

  if (max_degrees <= 0.0f)
    {
      memcpy (out, in, sizeof (float) * H * W);
      return 0.0f;
    }
  degrees = (2.0f * nn_rng_uniform (rng) - 1.0f) * max_degrees;
  nn_augment_rotate (out, in, H, W, degrees);
  return degrees;
}
