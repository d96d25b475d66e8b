/* nn-conv2d.h: 2-D convolution with zero padding and any stride, via im2col and GEMM */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The dimensions of a convolution on a batch: B images of C × H × W, OC output channels, K × K
 * kernels, zero padding pad, windows stride apart (0 reads as 1); OH = (H + 2·pad − K) / stride
 * + 1 and OW likewise. nn_conv2d_forward, nn_conv2d_backward and the _ref twins take any stride;
 * the fused and Winograd entry points stride 1, and Winograd K = 3 and pad = 1. */
typedef struct
{
  size_t B, C, H, W;
  size_t OC, K, pad;
  size_t stride;
} NnConvShape;

/* Floats of one image's im2col buffer: C·K·K·OH·OW. */
size_t nn_conv2d_col_size       (size_t C,
                                 size_t H,
                                 size_t W,
                                 size_t K,
                                 size_t pad);

void   nn_conv2d_forward        (float       *out,      /* (B, OC, OH, OW) */
                                 const float *in,       /* (B, C, H, W) */
                                 const float *weight,   /* (OC, C, K, K) */
                                 const float *bias,     /* (OC) */
                                 float       *col,      /* (C·K·K, OH·OW) workspace */
                                 const NnConvShape *shape);

/* Inference only: conv → ReLU → 2×2 max-pool in one pass, without the full-size activations
 * or the pooling's winners; OH and OW even. `group` images share one GEMM; col holds
 * group·C·K·K·OH·OW floats and tmp group·OC·OH·OW. Equal to the three layers run one after the
 * other up to the order of float additions (the bias is added after pooling). */
void   nn_conv2d_relu_maxpool2_forward (float       *out,      /* (B, OC, OH/2, OW/2) */
                                        const float *in,       /* (B, C, H, W) */
                                        const float *weight,   /* (OC, C, K, K) */
                                        const float *bias,     /* (OC) */
                                        float       *col,
                                        float       *tmp,
                                        size_t       group,
                                        const NnConvShape *shape);

/* Training's conv → ReLU → 2×2 max-pool: bit for bit what nn_conv2d_forward, nn_relu_forward and
 * nn_maxpool_forward give one after the other, with `group` images per GEMM and no full-size
 * activations written. argmax gets each window's winner as an index into its (OH, OW) plane, for
 * nn_relu_maxpool2_backward; OH and OW even. col holds group·C·K·K·OH·OW floats and tmp
 * group·OC·OH·OW. */
void   nn_conv2d_relu_maxpool2_train_forward (float       *out,      /* (B, OC, OH/2, OW/2) */
                                              guint32     *argmax,   /* (B, OC, OH/2, OW/2) */
                                              const float *in,       /* (B, C, H, W) */
                                              const float *weight,   /* (OC, C, K, K) */
                                              const float *bias,     /* (OC) */
                                              float       *col,
                                              float       *tmp,
                                              size_t       group,
                                              const NnConvShape *shape);
/* Its backward through the pooling and the ReLU: overwrites dconv with the gradient of the
 * conv's output, bit for bit what nn_maxpool_backward then nn_relu_backward give, laid out for
 * nn_conv2d_backward_grouped: each group of `group` images (the last may be short) is one
 * (OC, nb·OH·OW) block, image after image along the rows. out is the pooled output. */
void   nn_relu_maxpool2_backward (float         *dconv,    /* (B, OC, OH, OW) in groups */
                                  const float   *dout,     /* (B, OC, OH/2, OW/2) */
                                  const float   *out,      /* (B, OC, OH/2, OW/2) */
                                  const guint32 *argmax,
                                  size_t         group,
                                  size_t         B,
                                  size_t         OC,
                                  size_t         OH,
                                  size_t         OW);
/* nn_conv2d_backward with dout laid out in groups as above, bit for bit the same gradients: the
 * input gradient of a group is one GEMM. col and dcol hold group·C·K·K·OH·OW floats. */
void   nn_conv2d_backward_grouped (float       *din,      /* (B, C, H, W) or NULL */
                                   float       *dweight,  /* accumulated into */
                                   float       *dbias,    /* accumulated into */
                                   const float *dout,     /* (B, OC, OH, OW) in groups */
                                   const float *in,
                                   const float *weight,
                                   float       *col,
                                   float       *dcol,
                                   size_t       group,
                                   const NnConvShape *shape);

/* The pieces of nn_conv2d_backward_grouped that threads share out, bit for bit its results:
 * nn_conv2d_im2col_images writes one (C·K·K, OH·OW) im2col per image, image after image;
 * nn_conv2d_weight_grad_block accumulates the gradients of weights [oc0, oc1) × [k0, k1) (of
 * the (OC, C·K·K) matrix) and, when dbias is given, of biases [oc0, oc1) over images
 * [first, last) of the B of dout (laid out in groups of `group` from image 0), in their order,
 * col holding those images' im2col from image first on; nn_conv2d_backward_input_grouped overwrites din.
 * Blocks of the gradient are disjoint, so threads may each take some. */
void   nn_conv2d_im2col_images  (float       *col,      /* (B, C·K·K, OH·OW) */
                                 const float *in,       /* (B, C, H, W) */
                                 const NnConvShape *shape);
void   nn_conv2d_weight_grad_block (float       *dweight,  /* (OC, C·K·K), accumulated */
                                    float       *dbias,    /* (OC) accumulated, or NULL */
                                    const float *dout,     /* (B, OC, OH, OW) in groups */
                                    const float *col,      /* (last − first, C·K·K, OH·OW) */
                                    size_t       group,
                                    const NnConvShape *shape,
                                    size_t       oc0,
                                    size_t       oc1,
                                    size_t       k0,
                                    size_t       k1,
                                    size_t       first,
                                    size_t       last);
void   nn_conv2d_backward_input_grouped (float       *din,     /* (B, C, H, W) */
                                         const float *dout,    /* (B, OC, OH, OW) in groups */
                                         const float *weight,
                                         float       *dcol,    /* group·C·K·K·OH·OW */
                                         size_t       group,
                                         const NnConvShape *shape);

/* The same fused step for 3×3 kernels with padding 1 and even H, W, by Winograd's F(2×2, 3×3):
 * 2.25 times fewer multiplies, for layers with enough channels to make the GEMMs worthwhile.
 * work holds nn_conv2d_winograd_workspace () floats. With argmax it is training's forward too:
 * the winners are kept as nn_conv2d_relu_maxpool2_train_forward () keeps them, so
 * nn_relu_maxpool2_backward () follows either. The results differ from im2col's in rounding. */
gboolean nn_conv2d_winograd_applies    (size_t H,
                                        size_t W,
                                        size_t K,
                                        size_t pad);
size_t   nn_conv2d_winograd_workspace  (size_t C,
                                        size_t H,
                                        size_t W,
                                        size_t OC,
                                        size_t group);
void     nn_conv2d_winograd_relu_maxpool2_forward (float       *out,   /* (B, OC, H/2, W/2) */
                                                   guint32     *argmax,/* the same, or NULL */
                                                   const float *in,    /* (B, C, H, W) */
                                                   const float *weight,/* (OC, C, 3, 3) */
                                                   const float *bias,  /* (OC) */
                                                   float       *work,
                                                   size_t       group,
                                                   const NnConvShape *shape);

/* The input gradient of such a conv by Winograd: din (B, C, H, W) from dout laid out in groups of
 * group images as nn_relu_maxpool2_backward () leaves it, each group (OC, nb·H·W). work holds
 * nn_conv2d_winograd_workspace (C, H, W, OC, group) floats. Equals nn_conv2d_backward ()'s din
 * up to rounding. */
void     nn_conv2d_winograd_backward_input (float       *din,
                                            const float *dout,
                                            const float *weight,
                                            float       *work,
                                            size_t       group,
                                            const NnConvShape *shape);

/* The same two with the weights already transformed, so that threads sharing out a batch's image
 * groups transform them once: U holds 16·OC·C floats from nn_conv2d_winograd_weights () (flipped
 * for the input gradient), read only; work is still nn_conv2d_winograd_workspace () floats, its
 * own room for U unused. The results are those of the functions above. */
void     nn_conv2d_winograd_weights        (float       *U,
                                            const float *weight,   /* (OC, C, 3, 3) */
                                            size_t       OC,
                                            size_t       C,
                                            gboolean     flipped);
void     nn_conv2d_winograd_relu_maxpool2_forward_u (float       *out,
                                                     guint32     *argmax,
                                                     const float *in,
                                                     const float *U,
                                                     const float *bias,
                                                     float       *work,
                                                     size_t       group,
                                                     const NnConvShape *shape);
void     nn_conv2d_winograd_backward_input_u (float       *din,
                                              const float *dout,
                                              const float *U,
                                              float       *work,
                                              size_t       group,
                                              const NnConvShape *shape);

/* Strides above 1 with `group` images per GEMM: their im2col side by side, (C·K·K, group·OH·OW),
 * so that the products are of a useful size however small the image. col holds
 * nn_conv2d_group_workspace () floats (for a group of 1, nn_conv2d_col_size ()'s at stride 1 is
 * enough) and dcol group·C·K·K·OH·OW. The forward values do not depend on the group; the weight
 * gradient of a group is one sum over its images, so it does — the same group, the same bits.
 * nn_conv2d_forward and nn_conv2d_backward run groups of one. */
size_t nn_conv2d_group_size      (const NnConvShape *shape);   /* images per group for the layer */
size_t nn_conv2d_group_workspace (const NnConvShape *shape,
                                  size_t             group);
void   nn_conv2d_forward_group   (float       *out,      /* (B, OC, OH, OW) */
                                  const float *in,       /* (B, C, H, W) */
                                  const float *weight,   /* (OC, C, K, K) */
                                  const float *bias,     /* (OC) */
                                  float       *col,
                                  size_t       group,
                                  const NnConvShape *shape);
void   nn_conv2d_backward_group  (float       *din,      /* (B, C, H, W) or NULL */
                                  float       *dweight,  /* (OC, C, K, K) accumulated into */
                                  float       *dbias,    /* (OC) accumulated into */
                                  const float *dout,     /* (B, OC, OH, OW) */
                                  const float *in,       /* (B, C, H, W) */
                                  const float *weight,   /* (OC, C, K, K) */
                                  float       *col,
                                  float       *dcol,
                                  size_t       group,
                                  const NnConvShape *shape);

/* Accumulates into dweight and dbias; overwrites din, or skips it when din is NULL. */
void   nn_conv2d_backward       (float       *din,      /* (B, C, H, W) or NULL */
                                 float       *dweight,  /* (OC, C, K, K) */
                                 float       *dbias,    /* (OC) */
                                 const float *dout,     /* (B, OC, OH, OW) */
                                 const float *in,       /* (B, C, H, W) */
                                 const float *weight,   /* (OC, C, K, K) */
                                 float       *col,      /* (C·K·K, OH·OW) workspace */
                                 float       *dcol,     /* (C·K·K, OH·OW) workspace */
                                 const NnConvShape *shape);

/* Direct loops: the twins the optimised versions are tested against. */
void   nn_conv2d_forward_ref    (float       *out,
                                 const float *in,
                                 const float *weight,
                                 const float *bias,
                                 const NnConvShape *shape);
void   nn_conv2d_backward_ref   (float       *din,
                                 float       *dweight,
                                 float       *dbias,
                                 const float *dout,
                                 const float *in,
                                 const float *weight,
                                 const NnConvShape *shape);

G_END_DECLS
