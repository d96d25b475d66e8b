/* nn-augment.h: data augmentation — random affine maps (rotation, translation, scale, shear)
 * and elastic distortion, with bilinear sampling */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-rng.h"

G_BEGIN_DECLS

/* Bounds of the ranges, checked by nn_augment_config_check. */
#define NN_AUGMENT_MAX_ROTATION      180.0f  /* degrees */
#define NN_AUGMENT_MAX_TRANSLATE     0.5f    /* of the image's width and height */
#define NN_AUGMENT_MAX_SCALE         0.5f
#define NN_AUGMENT_MAX_SHEAR         45.0f   /* degrees */
#define NN_AUGMENT_MAX_ELASTIC_ALPHA 100.0f  /* pixels */
#define NN_AUGMENT_MIN_ELASTIC_SIGMA 0.5f    /* pixels */
#define NN_AUGMENT_MAX_ELASTIC_SIGMA 20.0f

/* The ranges a random augmentation is drawn from; all zero (but sigma) is no augmentation. */
typedef struct
{
  float rotation_degrees;  /* angle uniform in [−r, r] */
  float translate;         /* shift uniform in [−t, t] × width, and × height, on its own */
  float scale;             /* factor uniform in [1 − s, 1 + s] */
  float shear_degrees;     /* horizontal shear angle uniform in [−s, s] */
  float elastic_alpha;     /* elastic distortion's strength in pixels; 0 turns it off */
  float elastic_sigma;     /* its smoothness: the Gaussian's standard deviation in pixels */
} NnAugmentConfig;

/* What one random augmentation drew, for showing it. */
typedef struct
{
  float degrees;
  float dx, dy;            /* pixels, right and down */
  float scale;
  float shear_degrees;
  gboolean elastic;
} NnAugmentDraw;

/* Rotates in (H, W) by degrees about ((W − 1)/2, (H − 1)/2) into out (H, W); positive angles turn
 * the picture counter-clockwise as seen on screen (rows grow downwards). Outside is 0. out and
 * in must not overlap. */
void  nn_augment_rotate          (float       *out,
                                  const float *in,
                                  size_t       H,
                                  size_t       W,
                                  float        degrees);

/* Rotates by an angle drawn uniformly from [−max_degrees, max_degrees] and returns it. With
 * max_degrees == 0 it copies and draws nothing from rng. */
float nn_augment_random_rotation (float       *out,
                                  const float *in,
                                  size_t       H,
                                  size_t       W,
                                  float        max_degrees,
                                  NnRng       *rng);

/* The affine map about the centre c = ((W − 1)/2, (H − 1)/2) that takes a point p of in to
 *   c + (dx, dy) + R(degrees) · Sh(shear) · scale · (p − c)   in out,
 * where R turns counter-clockwise on screen as nn_augment_rotate does and Sh moves each row
 * right by tan(shear) times its height above the centre (x' = x − tan(shear) · y, y down).
 * Sampled bilinearly from the inverse map; outside is 0; scale > 0; out and in must not
 * overlap. */
void  nn_augment_affine          (float       *out,
                                  const float *in,
                                  size_t       H,
                                  size_t       W,
                                  float        degrees,
                                  float        dx,
                                  float        dy,
                                  float        scale,
                                  float        shear_degrees);

/* Simard, Steinkraus & Platt (2003): displacement fields ddx, ddy (H, W) of values uniform in
 * [−1, 1], each smoothed by a normalised Gaussian of standard deviation sigma (edges
 * reflected) and scaled by alpha, so no displacement exceeds alpha. tmp holds H × W floats. */
void  nn_augment_elastic_field   (float       *ddx,
                                  float       *ddy,
                                  float       *tmp,
                                  size_t       H,
                                  size_t       W,
                                  float        alpha,
                                  float        sigma,
                                  NnRng       *rng);

/* An elastic distortion alone: out(p) = in(p + d(p)) with d from nn_augment_elastic_field;
 * alpha 0 gives in itself. scratch holds nn_augment_scratch_size floats. */
void  nn_augment_elastic         (float       *out,
                                  const float *in,
                                  size_t       H,
                                  size_t       W,
                                  float        alpha,
                                  float        sigma,
                                  NnRng       *rng,
                                  float       *scratch);

/* Floats of scratch nn_augment_random needs for (H, W) images. */
size_t nn_augment_scratch_size   (size_t       H,
                                  size_t       W);

/* NULL when every range is within its bounds, else which is not. */
const char *nn_augment_config_check (const NnAugmentConfig *config);
/* Only a rotation (or nothing) is asked for. */
gboolean nn_augment_config_is_rotation_only (const NnAugmentConfig *config);
/* Nothing is asked for: the images stay as they are. */
gboolean nn_augment_config_is_identity (const NnAugmentConfig *config);

/* One random augmentation of in (H, W) into out. With rotation alone it is exactly
 * nn_augment_random_rotation (the same draws, the same pixels). Otherwise the draws are, in
 * this order: the angle (when rotation > 0), the shift in x and in y (translate > 0), the
 * scale (scale > 0), the shear (shear > 0), then the two elastic fields (alpha > 0); the
 * affine map and the elastic displacement d are sampled at once: out(p) = in(A⁻¹(p + d(p))).
 * scratch holds nn_augment_scratch_size floats; drawn (nullable) receives what was drawn. */
void  nn_augment_random          (float                 *out,
                                  const float           *in,
                                  size_t                 H,
                                  size_t                 W,
                                  const NnAugmentConfig *config,
                                  NnRng                 *rng,
                                  float                 *scratch,
                                  NnAugmentDraw         *drawn);

G_END_DECLS
