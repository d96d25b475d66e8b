/* nn-layer-table.h: the layer kinds, one row each — NN_LAYER_ROW (ENUM_NAME, class in its file) */
/* SPDX-License-Identifier: GPL-3.0-or-later */

/* No include guard: nn-layer.h reads this list twice, once for NnLayerKind and once for the
 * table of classes. A new kind is one file defining its NnLayerClass and one row here; the
 * order is the order of NnLayerKind's values. */
NN_LAYER_ROW (CONV2D,  nn_conv2d_layer)
NN_LAYER_ROW (RELU,    nn_relu_layer)
NN_LAYER_ROW (MAXPOOL, nn_maxpool_layer)
NN_LAYER_ROW (FLATTEN, nn_flatten_layer)
NN_LAYER_ROW (DENSE,   nn_dense_layer)
NN_LAYER_ROW (DROPOUT, nn_dropout_layer)
NN_LAYER_ROW (TANH,    nn_tanh_layer)
NN_LAYER_ROW (BATCHNORM, nn_batchnorm_layer)
NN_LAYER_ROW (AVGPOOL,   nn_avgpool_layer)
