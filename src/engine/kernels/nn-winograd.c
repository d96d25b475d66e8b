/* nn-winograd.c: the fused conv → ReLU → pool and the input gradient by Winograd's F(2×2, 3×3) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d.h"

#include <string.h>

#include "nn-conv2d-private.h"
#include "nn-cpu.h"
#include "nn-gemm.h"

/* Winograd F(2×2, 3×3) (Lavin and Gray, 2016): each 2×2 block of outputs comes from a 4×4
 * block of input with 16 multiplies per channel pair instead of 36. Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
 * with
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1].
 * The sums over channels of the 16 element-wise products are 16 GEMMs. A 2×2 output block is
 * exactly one 2×2 pooling window, so the output transform pools, adds the bias and clamps. */
gboolean
nn_conv2d_winograd_applies (size_t H,
                            size_t W,
                            size_t K,
                            size_t pad)
{
  return K == 3 && pad == 1 && H % 2 == 0 && W % 2 == 0 && H > 0 && W > 0;
}

/* One input plane (H, W) to its tiles' 16 transformed values: V[ξ·ld + ty·TW + tx]. padded
 * ((H + 2), (W + 2)) has a zero border; rows holds 4·(W + 2) floats. */
VECTOR_CLONES
static void
winograd_input_plane_generic (float       *V,
                              size_t       ld,
                              const float *plane,
                              float       *padded,
                              float       *rows,
                              size_t       H,
                              size_t       W)
{
  size_t PW = W + 2, TH = H / 2, TW = W / 2;
  float *r[4] = { rows, rows + PW, rows + 2 * PW, rows + 3 * PW };

  for (size_t y = 0; y < H; y++)
    memcpy (padded + (y + 1) * PW + 1, plane + y * W, sizeof (float) * W);
  for (size_t ty = 0; ty < TH; ty++)
    {
      const float *d0 = padded + 2 * ty * PW, *d1 = d0 + PW, *d2 = d1 + PW, *d3 = d2 + PW;
      float *v = V + ty * TW;

      /* Bᵀ d down the columns of the four input rows */
      for (size_t x = 0; x < PW; x++)
        {
          r[0][x] = d0[x] - d2[x];
          r[1][x] = d1[x] + d2[x];
          r[2][x] = d2[x] - d1[x];
          r[3][x] = d1[x] - d3[x];
        }
      /* then · B along each row, one tile per two columns */
      for (size_t i = 0; i < 4; i++)
        for (size_t tx = 0; tx < TW; tx++)
          {
            const float *q = r[i] + 2 * tx;

            v[(4 * i) * ld + tx] = q[0] - q[2];
            v[(4 * i + 1) * ld + tx] = q[1] + q[2];
            v[(4 * i + 2) * ld + tx] = q[2] - q[1];
            v[(4 * i + 3) * ld + tx] = q[1] - q[3];
          }
    }
}

/* Tile t's 2×2 outputs Aᵀ M A from its 16 products M[ξ·ld + t]: y = (y00, y01, y10, y11). */
static inline void
winograd_output_tile (float       *y,
                      const float *M,
                      size_t       ld,
                      size_t       t)
{
  float r0[4], r1[4];

  for (int k = 0; k < 4; k++)
    {
      float m0 = M[k * ld + t], m1 = M[(4 + k) * ld + t], m2 = M[(8 + k) * ld + t],
            m3 = M[(12 + k) * ld + t];

      r0[k] = m0 + m1 + m2;
      r1[k] = m1 - m2 - m3;
    }
  y[0] = r0[0] + r0[1] + r0[2];
  y[1] = r0[1] - r0[2] - r0[3];
  y[2] = r1[0] + r1[1] + r1[2];
  y[3] = r1[1] - r1[2] - r1[3];
}

/* n tiles' 16 products M[ξ·ld + t] to pooled outputs: max of Aᵀ M A, plus bias, clamped. */
VECTOR_CLONES
static void
winograd_output_pool_generic (float       *restrict out,
                              const float *restrict M,
                              size_t       ld,
                              size_t       n,
                              float        bias)
{
  for (size_t t = 0; t < n; t++)
    {
      float y[4], v;

      winograd_output_tile (y, M, ld, t);
      v = MAX (MAX (y[0], y[1]), MAX (y[2], y[3])) + bias;
      out[t] = v > 0.0f ? v : 0.0f;
    }
}

/* The same for training: each output of the window gets the bias and the ReLU, and the window's
 * winner is kept as an index into the (H, W) conv plane, ties going as in
 * relu_pool_plane_generic, so that nn_relu_maxpool2_backward takes it as it is. */
VECTOR_CLONES
static void
winograd_output_relu_pool_argmax_generic (float       *restrict out,
                                          guint32     *restrict argmax,
                                          const float *restrict M,
                                          size_t       ld,
                                          size_t       n,
                                          size_t       TW,
                                          size_t       W,
                                          float        bias)
{
  /* a row of tiles at a time, so that the loop over a row vectorises */
  for (size_t row = 0; row * TW < n; row++)
    for (size_t tx = 0; tx < TW; tx++)
      {
        size_t t = row * TW + tx;
        float y[4], v00, v01, v10, v11, top, bottom;
        guint32 i0 = (guint32) (2 * row * W + 2 * tx), itop, ibottom;

        winograd_output_tile (y, M, ld, t);
        v00 = y[0] + bias;
        v01 = y[1] + bias;
        v10 = y[2] + bias;
        v11 = y[3] + bias;
        v00 = v00 < 0.0f ? 0.0f : v00;
        v01 = v01 < 0.0f ? 0.0f : v01;
        v10 = v10 < 0.0f ? 0.0f : v10;
        v11 = v11 < 0.0f ? 0.0f : v11;
        top = v01 > v00 ? v01 : v00;
        itop = v01 > v00 ? i0 + 1 : i0;
        bottom = v11 > v10 ? v11 : v10;
        ibottom = (guint32) (v11 > v10 ? i0 + W + 1 : i0 + W);
        out[t] = bottom > top ? bottom : top;
        argmax[t] = bottom > top ? ibottom : itop;
      }
}

/* U[ξ][o][i] = (G g Gᵀ)[ξ] for each 3×3 kernel g of weight (OC, C, 3, 3): with o = oc, i = c;
 * or, flipped, the kernels of the input gradient's convolution: o = c, i = oc and g turned by
 * 180°. */
void
nn_conv2d_winograd_weights (float       *U,
                  const float *weight,
                  size_t       OC,
                  size_t       C,
                  gboolean     flipped)
{
  size_t n_o = flipped ? C : OC, n_i = flipped ? OC : C;

  for (size_t oc = 0; oc < OC; oc++)
    for (size_t c = 0; c < C; c++)
      {
        const float *k = weight + (oc * C + c) * 9;
        float g[9], t[4][3], u[4][4];
        size_t o = flipped ? c : oc, in = flipped ? oc : c;

        for (int e = 0; e < 9; e++)
          g[e] = flipped ? k[8 - e] : k[e];
        for (int j = 0; j < 3; j++)
          {
            t[0][j] = g[j];
            t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
          }
        for (int r = 0; r < 4; r++)
          {
            u[r][0] = t[r][0];
            u[r][1] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
            u[r][2] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
            u[r][3] = t[r][2];
          }
        for (int xi = 0; xi < 16; xi++)
          U[(xi * n_o + o) * n_i + in] = u[xi / 4][xi % 4];
      }
}

/* n tiles' 16 products M[ξ·ld + t] to their 2×2 outputs Aᵀ M A, written into plane (H, W). */
VECTOR_CLONES
static void
winograd_output_plane_generic (float       *restrict plane,
                               const float *restrict M,
                               size_t       ld,
                               size_t       H,
                               size_t       W)
{
  size_t TH = H / 2, TW = W / 2;

  /* a row of tiles at a time: its two output rows, so that the loop over a row vectorises */
  for (size_t ty = 0; ty < TH; ty++)
    for (size_t tx = 0; tx < TW; tx++)
      {
        float y[4];
        float *o = plane + 2 * ty * W + 2 * tx;

        winograd_output_tile (y, M, ld, ty * TW + tx);
        o[0] = y[0];
        o[1] = y[1];
        o[W] = y[2];
        o[W + 1] = y[3];
      }
}


/* Floats added between the 16 blocks of V and of M. Blocks of C·ld floats are often a multiple of
 * 4 KiB apart, so the 16 values of one tile would share an L1 set and evict each other; one cache
 * line more per block spreads them over 16 sets. */
#define SKEW 16

size_t
nn_conv2d_winograd_workspace (size_t C,
                              size_t H,
                              size_t W,
                              size_t OC,
                              size_t group)
{
  size_t T = (group * (H / 2) * (W / 2) + 31) & ~(size_t) 31;

  /* U (16, OC, C), V (16, C, T), M (16, OC, T) with their 16 blocks SKEW apart, one padded input
   * plane (rows of at least 16 for the AVX2 transform), four transformed rows, and room to align
   * the first three on 64 bytes */
  return 16 * OC * C + 16 * (C * T + SKEW) + 16 * (OC * T + SKEW) +
         (H + 2) * MAX (W + 2, (size_t) 16) + 4 * (W + 2) + 3 * 16;
}

/* The parts of a Winograd convolution's workspace, laid out in work: U (16, n_out, n_in),
 * V (16, n_in, T) and M (16, n_out, T) with their 16 blocks SKEW apart, a padded plane with its
 * zero border written (rows W + 2 apart; the AVX2 transform lays out its own, 16 apart), and four
 * rows. */
typedef struct
{
  float *U, *V, *M, *padded, *rows;
} WinogradWork;

static void
winograd_work_init (WinogradWork *w,
                    float        *work,
                    size_t        n_out,
                    size_t        n_in,
                    size_t        T,
                    size_t        H,
                    size_t        W)
{
#define ALIGN16(p) ((float *) (((guintptr) (p) + 63) & ~(guintptr) 63))
  w->U = ALIGN16 (work);
  w->V = ALIGN16 (w->U + 16 * n_out * n_in);
  w->M = ALIGN16 (w->V + 16 * (n_in * T + SKEW));
  w->padded = w->M + 16 * (n_out * T + SKEW);
  w->rows = w->padded + (H + 2) * MAX (W + 2, (size_t) 16);
#undef ALIGN16
  /* interiors are overwritten plane by plane */
  memset (w->padded, 0, sizeof (float) * (H + 2) * (W + 2));
}

/* One group of nb images: their n_in input planes (plane i of image j at
 * in + j·image_stride + i·plane_stride) to V[ξ][i][t] = (Bᵀ d B)[ξ] for tile t = j·n_tiles +
 * ty·TW + tx, then the element-wise products summed over the inputs, 16 GEMMs:
 * M[ξ] (n_out, ld) = U[ξ] (n_out, n_in) · V[ξ]. Returns ld, the row length of V and M (whole
 * micro-tiles, so that no GEMM tile is partial); *ms is the distance between blocks of M. */
static size_t
winograd_multiply (const WinogradWork *w,
                   const float        *in,
                   size_t              image_stride,
                   size_t              plane_stride,
                   size_t              nb,
                   size_t              n_in,
                   size_t              n_out,
                   size_t              H,
                   size_t              W,
                   size_t             *ms)
{
  size_t n_tiles = (H / 2) * (W / 2), Tn = nb * n_tiles, ld = (Tn + 31) & ~(size_t) 31;
  size_t vs = n_in * ld + SKEW;
  gboolean vector = (nn_cpu_level () == NN_CPU_AVX512), avx2 = (nn_cpu_level () >= NN_CPU_AVX2);

  *ms = n_out * ld + SKEW;
  for (size_t xi = 0; xi < 16; xi++)
    for (size_t i = 0; i < n_in; i++)
      memset (w->V + xi * vs + i * ld + Tn, 0, sizeof (float) * (ld - Tn));
  for (size_t j = 0; j < nb; j++)
    for (size_t i = 0; i < n_in; i++)
      {
        const float *plane = in + j * image_stride + i * plane_stride;
        float *v = w->V + i * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
        if (vector && W <= 14)
          nn_winograd_input_plane_avx512 (v, vs, plane, H, W);
        else if (avx2 && W <= 14)
          nn_winograd_input_plane_avx2 (v, vs, plane, w->padded, H, W);
        else
#endif
          winograd_input_plane_generic (v, vs, plane, w->padded, w->rows, H, W);
      }
  for (size_t xi = 0; xi < 16; xi++)
    nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, n_out, ld, n_in, 1.0f, w->U + xi * n_out * n_in, n_in,
              w->V + xi * vs, ld, 0.0f, w->M + xi * *ms, ld);
  return ld;
}

void
nn_conv2d_winograd_relu_maxpool2_forward_u (float       *out,
                                            guint32     *argmax,
                                            const float *in,
                                            const float *U,
                                            const float *bias,
                                            float       *work,
                                            size_t       group,
                                            const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t TW = W / 2, n_tiles = (H / 2) * TW, HW = H * W;
  gboolean vector = (nn_cpu_level () == NN_CPU_AVX512);
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (H, W, 3, 1));

  winograd_work_init (&w, work, OC, C, (group * n_tiles + 31) & ~(size_t) 31, H, W);
  w.U = (float *) U;
  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ms;
      size_t ld = winograd_multiply (&w, in + b0 * C * HW, C * HW, HW, nb, C, OC, H, W, &ms);

      /* outputs: Y = Aᵀ M A is one pooling window; pool, add the bias, clamp, and for training
       * keep each window's winner */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t j = 0; j < nb; j++)
          {
            size_t at = ((b0 + j) * OC + oc) * n_tiles;
            const float *m = w.M + oc * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
            if (vector && argmax != NULL)
              nn_winograd_output_relu_pool_argmax_avx512 (out + at, argmax + at, m, ms,
                                                       n_tiles, TW, W, bias[oc]);
            else if (vector)
              nn_winograd_output_pool_avx512 (out + at, m, ms, n_tiles, bias[oc]);
            else
#endif
            if (argmax != NULL)
              winograd_output_relu_pool_argmax_generic (out + at, argmax + at, m, ms,
                                                        n_tiles, TW, W, bias[oc]);
            else
              winograd_output_pool_generic (out + at, m, ms, n_tiles, bias[oc]);
          }
    }
}

void
nn_conv2d_winograd_relu_maxpool2_forward (float       *out,
                                          guint32     *argmax,
                                          const float *in,
                                          const float *weight,
                                          const float *bias,
                                          float       *work,
                                          size_t       group,
                                          const NnConvShape *shape)
{
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (shape->H, shape->W, 3, 1));

  /* weights: U[ξ][oc][c] = (G g Gᵀ)[ξ], at the start of the workspace */
  winograd_work_init (&w, work, shape->OC, shape->C, 0, shape->H, shape->W);
  nn_conv2d_winograd_weights (w.U, weight, shape->OC, shape->C, FALSE);
  nn_conv2d_winograd_relu_maxpool2_forward_u (out, argmax, in, w.U, bias, work, group, shape);
}

void
nn_conv2d_winograd_backward_input_u (float       *din,
                                     const float *dout,
                                     const float *U,
                                     float       *work,
                                     size_t       group,
                                     const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t n_tiles = (H / 2) * (W / 2), HW = H * W;
  gboolean vector = (nn_cpu_level () == NN_CPU_AVX512);
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (H, W, 3, 1));

  /* din is dout convolved, padding 1, with the kernels turned by 180° and C and OC swapped; the
   * workspace is the forward's, whose size is symmetric in C and OC */
  winograd_work_init (&w, work, C, OC, (group * n_tiles + 31) & ~(size_t) 31, H, W);
  w.U = (float *) U;
  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ms;
      /* the group's gradients are (OC, nb·H·W): plane oc of image j at oc·nb·HW + j·HW */
      size_t ld = winograd_multiply (&w, dout + b0 * OC * HW, HW, nb * HW, nb, OC, C, H, W,
                                     &ms);

      for (size_t j = 0; j < nb; j++)
        for (size_t c = 0; c < C; c++)
          {
            float *plane = din + ((b0 + j) * C + c) * HW;
            const float *m = w.M + c * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
            if (vector && W <= 16)
              nn_winograd_output_plane_avx512 (plane, m, ms, H, W);
            else
#endif
              winograd_output_plane_generic (plane, m, ms, H, W);
          }
    }
}

void
nn_conv2d_winograd_backward_input (float       *din,
                                   const float *dout,
                                   const float *weight,
                                   float       *work,
                                   size_t       group,
                                   const NnConvShape *shape)
{
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (shape->H, shape->W, 3, 1));

  winograd_work_init (&w, work, shape->C, shape->OC, 0, shape->H, shape->W);
  nn_conv2d_winograd_weights (w.U, weight, shape->OC, shape->C, TRUE);
  nn_conv2d_winograd_backward_input_u (din, dout, w.U, work, group, shape);
}
