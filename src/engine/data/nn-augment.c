/* nn-augment.c: inverse-mapped bilinear rotation and affine maps, sin and cos computed once per
 * image; Simard's elastic distortion */
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

/* in (H, W) at (sx, sy), bilinear, 0 outside: the same arithmetic as nn_augment_rotate */
static inline float
sample_bilinear (const float *in,
                 size_t       H,
                 size_t       W,
                 float        sx,
                 float        sy)
{
  const float fx = floorf (sx), fy = floorf (sy);
  const int x0 = (int) fx, y0 = (int) fy;
  const float ax = sx - fx, ay = sy - fy;
  float p00 = 0, p01 = 0, p10 = 0, p11 = 0;

  /* a far-off (or non-finite) source is outside */
  if (!(sx > -2.0f && sy > -2.0f && sx < (float) W + 1.0f && sy < (float) H + 1.0f))
    return 0.0f;
  if (!(x0 >= -1 && y0 >= -1 && x0 < (int) W && y0 < (int) H))
    return 0.0f;
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
  return (1 - ay) * ((1 - ax) * p00 + ax * p01) + ay * ((1 - ax) * p10 + ax * p11);
}

/* The inverse of the affine map of nn_augment_affine as a 2 × 2 matrix (row-major): with
 * R = [[c, s], [−s, c]] and Sh = [[1, −k], [0, 1]], k = tan(shear),
 * (R · Sh · scale)⁻¹ = [[c + k s, k c − s], [s, c]] / scale. */
static void
affine_inverse (float  a[4],
                float  degrees,
                float  scale,
                float  shear_degrees)
{
  const double theta = degrees * G_PI / 180.0;
  const double c = cos (theta), s = sin (theta), k = tan (shear_degrees * G_PI / 180.0);

  a[0] = (float) ((c + k * s) / scale);
  a[1] = (float) ((k * c - s) / scale);
  a[2] = (float) (s / scale);
  a[3] = (float) (c / scale);
}

/* out(p) = in(c + A (p + d(p) − c − t)); ddx and ddy nullable (no displacement) */
static void
warp (float       *out,
      const float *in,
      size_t       H,
      size_t       W,
      const float  a[4],
      float        tx,
      float        ty,
      const float *ddx,
      const float *ddy)
{
  const float cx = (W - 1) * 0.5f, cy = (H - 1) * 0.5f;

  for (size_t y = 0; y < H; y++)
    for (size_t x = 0; x < W; x++)
      {
        float qx = (float) x - cx - tx, qy = (float) y - cy - ty;

        if (ddx != NULL)
          {
            qx += ddx[y * W + x];
            qy += ddy[y * W + x];
          }
        out[y * W + x] = sample_bilinear (in, H, W, a[0] * qx + a[1] * qy + cx,
                                          a[2] * qx + a[3] * qy + cy);
      }
}

void
nn_augment_affine (float       *out,
                   const float *in,
                   size_t       H,
                   size_t       W,
                   float        degrees,
                   float        dx,
                   float        dy,
                   float        scale,
                   float        shear_degrees)
{
  float a[4];

  g_return_if_fail (out != in && scale > 0);

  affine_inverse (a, degrees, scale, shear_degrees);
  warp (out, in, H, W, a, dx, dy, NULL, NULL);
}

#define KERNEL_MAX_RADIUS ((int) (3 * NN_AUGMENT_MAX_ELASTIC_SIGMA + 1))

/* index i reflected into [0, n), as scipy's mode "reflect" (d c b a | a b c d | d c b a) */
static inline size_t
reflect (long   i,
         size_t n)
{
  long period = 2 * (long) n;

  i %= period;
  if (i < 0)
    i += period;
  return i < (long) n ? (size_t) i : (size_t) (period - 1 - i);
}

/* field (H, W) smoothed in place by the normalised separable kernel k[−r … r] */
static void
smooth (float       *field,
        float       *tmp,
        size_t       H,
        size_t       W,
        const float *k,
        int          r)
{
  for (size_t y = 0; y < H; y++)
    for (size_t x = 0; x < W; x++)
      {
        float acc = 0;

        for (int j = -r; j <= r; j++)
          acc += k[j + r] * field[y * W + reflect ((long) x + j, W)];
        tmp[y * W + x] = acc;
      }
  for (size_t y = 0; y < H; y++)
    for (size_t x = 0; x < W; x++)
      {
        float acc = 0;

        for (int j = -r; j <= r; j++)
          acc += k[j + r] * tmp[reflect ((long) y + j, H) * W + x];
        field[y * W + x] = acc;
      }
}

void
nn_augment_elastic_field (float       *ddx,
                          float       *ddy,
                          float       *tmp,
                          size_t       H,
                          size_t       W,
                          float        alpha,
                          float        sigma,
                          NnRng       *rng)
{
  float k[2 * KERNEL_MAX_RADIUS + 1];
  int r;
  double sum = 0;

  g_return_if_fail (ddx != NULL && ddy != NULL && tmp != NULL && rng != NULL);
  g_return_if_fail (sigma >= NN_AUGMENT_MIN_ELASTIC_SIGMA &&
                    sigma <= NN_AUGMENT_MAX_ELASTIC_SIGMA);

  r = MIN ((int) ceilf (3 * sigma), KERNEL_MAX_RADIUS);
  for (int j = -r; j <= r; j++)
    {
      k[j + r] = (float) exp (-0.5 * j * j / ((double) sigma * sigma));
      sum += k[j + r];
    }
  /* the weights sum to at most 1 (rounded down), so |d| ≤ alpha */
  for (int j = -r; j <= r; j++)
    k[j + r] = (float) (k[j + r] / sum) * (1.0f - 1e-6f);

  for (size_t i = 0; i < H * W; i++)
    ddx[i] = 2.0f * nn_rng_uniform (rng) - 1.0f;
  for (size_t i = 0; i < H * W; i++)
    ddy[i] = 2.0f * nn_rng_uniform (rng) - 1.0f;
  smooth (ddx, tmp, H, W, k, r);
  smooth (ddy, tmp, H, W, k, r);
  for (size_t i = 0; i < H * W; i++)
    {
      ddx[i] *= alpha;
      ddy[i] *= alpha;
    }
}

void
nn_augment_elastic (float       *out,
                    const float *in,
                    size_t       H,
                    size_t       W,
                    float        alpha,
                    float        sigma,
                    NnRng       *rng,
                    float       *scratch)
{
  const float identity[4] = { 1, 0, 0, 1 };
  float *ddx = scratch, *ddy = scratch + H * W, *tmp = scratch + 2 * H * W;

  g_return_if_fail (out != in && scratch != NULL);

  nn_augment_elastic_field (ddx, ddy, tmp, H, W, alpha, sigma, rng);
  warp (out, in, H, W, identity, 0, 0, ddx, ddy);
}

size_t
nn_augment_scratch_size (size_t H,
                         size_t W)
{
  return 3 * H * W;
}

const char *
nn_augment_config_check (const NnAugmentConfig *c)
{
  g_return_val_if_fail (c != NULL, "no augmentation");

  /* NaN fails every comparison, so each bound also refuses it */
  if (!(c->rotation_degrees >= 0 && c->rotation_degrees <= NN_AUGMENT_MAX_ROTATION))
    return "the rotation range must be between 0 and 180 degrees";
  if (!(c->translate >= 0 && c->translate <= NN_AUGMENT_MAX_TRANSLATE))
    return "the translation range must be between 0 and 0.5 of the image size";
  if (!(c->scale >= 0 && c->scale <= NN_AUGMENT_MAX_SCALE))
    return "the scale range must be between 0 and 0.5";
  if (!(c->shear_degrees >= 0 && c->shear_degrees <= NN_AUGMENT_MAX_SHEAR))
    return "the shear range must be between 0 and 45 degrees";
  if (!(c->elastic_alpha >= 0 && c->elastic_alpha <= NN_AUGMENT_MAX_ELASTIC_ALPHA))
    return "the elastic strength (alpha) must be between 0 and 100 pixels";
  if (!(c->elastic_sigma >= NN_AUGMENT_MIN_ELASTIC_SIGMA &&
        c->elastic_sigma <= NN_AUGMENT_MAX_ELASTIC_SIGMA))
    return "the elastic smoothness (sigma) must be between 0.5 and 20 pixels";
  return NULL;
}

gboolean
nn_augment_config_is_rotation_only (const NnAugmentConfig *c)
{
  return c->translate == 0 && c->scale == 0 && c->shear_degrees == 0 && c->elastic_alpha == 0;
}

gboolean
nn_augment_config_is_identity (const NnAugmentConfig *c)
{
  return c->rotation_degrees == 0 && nn_augment_config_is_rotation_only (c);
}

static inline float
symmetric (NnRng *rng,
           float  range)
{
  return (2.0f * nn_rng_uniform (rng) - 1.0f) * range;
}

void
nn_augment_random (float                 *out,
                   const float           *in,
                   size_t                 H,
                   size_t                 W,
                   const NnAugmentConfig *c,
                   NnRng                 *rng,
                   float                 *scratch,
                   NnAugmentDraw         *drawn)
{
  NnAugmentDraw d = { .scale = 1.0f };
  float a[4];

  g_return_if_fail (out != in && c != NULL && rng != NULL);

  if (nn_augment_config_is_rotation_only (c))
    {
      /* today's path, bit for bit */
      d.degrees = nn_augment_random_rotation (out, in, H, W, c->rotation_degrees, rng);
      if (drawn != NULL)
        *drawn = d;
      return;
    }
  g_return_if_fail (scratch != NULL);

  if (c->rotation_degrees > 0)
    d.degrees = symmetric (rng, c->rotation_degrees);
  if (c->translate > 0)
    {
      d.dx = symmetric (rng, c->translate) * (float) W;
      d.dy = symmetric (rng, c->translate) * (float) H;
    }
  if (c->scale > 0)
    d.scale = 1.0f + symmetric (rng, c->scale);
  if (c->shear_degrees > 0)
    d.shear_degrees = symmetric (rng, c->shear_degrees);
  affine_inverse (a, d.degrees, d.scale, d.shear_degrees);
  if (c->elastic_alpha > 0)
    {
      float *ddx = scratch, *ddy = scratch + H * W, *tmp = scratch + 2 * H * W;

      nn_augment_elastic_field (ddx, ddy, tmp, H, W, c->elastic_alpha, c->elastic_sigma, rng);
      d.elastic = TRUE;
      warp (out, in, H, W, a, d.dx, d.dy, ddx, ddy);
    }
  else
    warp (out, in, H, W, a, d.dx, d.dy, NULL, NULL);
  if (drawn != NULL)
    *drawn = d;
}
