/* nn-dense.c: fully connected forward and backward as three GEMMs */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dense.h"

#include "nn-gemm.h"

void
nn_dense_forward (float       *out,
                  const float *in,
                  const float *weight,
                  const float *bias,
                  size_t       B,
                  size_t       IN,
                  size_t       OUT)
{
  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      out[b * OUT + o] = bias[o];
  /* out += in · weightᵀ */
  nn_sgemm (NN_NO_TRANS, NN_TRANS, B, OUT, IN, 1.0f, in, IN, weight, IN, 1.0f, out, OUT);
}

void
nn_dense_backward (float       *din,
                   float       *dweight,
                   float       *dbias,
                   const float *dout,
                   const float *in,
                   const float *weight,
                   size_t       B,
                   size_t       IN,
                   size_t       OUT)
{
  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      dbias[o] += dout[b * OUT + o];
  /* dweight += doutᵀ · in */
  nn_sgemm (NN_TRANS, NN_NO_TRANS, OUT, IN, B, 1.0f, dout, OUT, in, IN, 1.0f, dweight, IN);
  /* din = dout · weight */
  if (din != NULL)
    nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, B, IN, OUT, 1.0f, dout, OUT, weight, IN, 0.0f, din, IN);
}
