/* nn-maxpool.c: max pooling remembering the winner of each window for the backward pass */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-maxpool.h"

#include <string.h>

void
nn_maxpool_forward (float       *out,
                    guint32     *argmax,
                    const float *in,
                    size_t       B,
                    size_t       C,
                    size_t       H,
                    size_t       W,
                    size_t       P)
{
  size_t OH = H / P, OW = W / P;

  if (P == 2)
    {
      /* the common case, branch-light: the four candidates of each window in order */
      for (size_t bc = 0; bc < B * C; bc++)
        {
          const float *plane = in + bc * H * W;
          float *o = out + bc * OH * OW;
          guint32 *a = argmax + bc * OH * OW;

          for (size_t oh = 0; oh < OH; oh++)
            {
              const float *r0 = plane + 2 * oh * W, *r1 = r0 + W;

              for (size_t ow = 0; ow < OW; ow++)
                {
                  float v00 = r0[2 * ow], v01 = r0[2 * ow + 1];
                  float v10 = r1[2 * ow], v11 = r1[2 * ow + 1];
                  guint32 i0 = (guint32) (2 * oh * W + 2 * ow);
                  float top = v01 > v00 ? v01 : v00;
                  guint32 itop = v01 > v00 ? i0 + 1 : i0;
                  float bottom = v11 > v10 ? v11 : v10;
                  guint32 ibottom = (guint32) (v11 > v10 ? i0 + W + 1 : i0 + W);

                  o[oh * OW + ow] = bottom > top ? bottom : top;
                  a[oh * OW + ow] = bottom > top ? ibottom : itop;
                }
            }
        }
      return;
    }

  for (size_t bc = 0; bc < B * C; bc++)
    {
      const float *plane = in + bc * H * W;
      float *o = out + bc * OH * OW;
      guint32 *a = argmax + bc * OH * OW;

      for (size_t oh = 0; oh < OH; oh++)
        for (size_t ow = 0; ow < OW; ow++)
          {
            size_t best = oh * P * W + ow * P;
            float v = plane[best];

            /* ties keep the first, as PyTorch does */
            for (size_t ph = 0; ph < P; ph++)
              for (size_t pw = 0; pw < P; pw++)
                {
                  size_t idx = (oh * P + ph) * W + ow * P + pw;

                  if (plane[idx] > v)
                    {
                      v = plane[idx];
                      best = idx;
                    }
                }
            o[oh * OW + ow] = v;
            a[oh * OW + ow] = (guint32) best;
          }
    }
}

void
nn_maxpool_backward (float         *din,
                     const float   *dout,
                     const guint32 *argmax,
                     size_t         B,
                     size_t         C,
                     size_t         H,
                     size_t         W,
                     size_t         P)
{
  size_t OH = H / P, OW = W / P;

  memset (din, 0, sizeof (float) * B * C * H * W);
  for (size_t bc = 0; bc < B * C; bc++)
    {
      float *plane = din + bc * H * W;
      const float *d = dout + bc * OH * OW;
      const guint32 *a = argmax + bc * OH * OW;

      for (size_t i = 0; i < OH * OW; i++)
        plane[a[i]] += d[i];
    }
}
