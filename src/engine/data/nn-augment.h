/* nn-augment.h: data augmentation — rotation about the image centre with bilinear sampling */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-rng.h"

G_BEGIN_DECLS

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

G_END_DECLS
