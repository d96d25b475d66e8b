/* nn-maxpool.h: P×P max pooling with stride P; OH = H / P, OW = W / P (floor) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void nn_maxpool_forward  (float         *out,      /* (B, C, OH, OW) */
                          guint32       *argmax,   /* (B, C, OH, OW): index in the (H, W) plane */
                          const float   *in,       /* (B, C, H, W) */
                          size_t         B,
                          size_t         C,
                          size_t         H,
                          size_t         W,
                          size_t         P);
/* Overwrites din (B, C, H, W); each output's gradient goes to the input that won. */
void nn_maxpool_backward (float         *din,
                          const float   *dout,     /* (B, C, OH, OW) */
                          const guint32 *argmax,
                          size_t         B,
                          size_t         C,
                          size_t         H,
                          size_t         W,
                          size_t         P);

G_END_DECLS
