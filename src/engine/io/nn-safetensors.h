/* nn-safetensors.h: the safetensors format — F32 tensors and string metadata, checked on load */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_SAFETENSORS_ERROR (nn_safetensors_error_quark ())
GQuark nn_safetensors_error_quark (void);

typedef enum
{
  NN_SAFETENSORS_ERROR_IO,
  NN_SAFETENSORS_ERROR_TRUNCATED,
  NN_SAFETENSORS_ERROR_BAD_HEADER,
  NN_SAFETENSORS_ERROR_UNSUPPORTED,
  NN_SAFETENSORS_ERROR_BAD_OFFSETS,
  NN_SAFETENSORS_ERROR_SHAPE,
} NnSafetensorsError;

#define NN_TENSOR_MAX_DIMS 8

typedef struct
{
  char   *name;
  size_t  n_dims;
  size_t  shape[NN_TENSOR_MAX_DIMS];
  float  *data;          /* (shape...) row-major; owned by the NnSafetensors when loaded */
} NnTensor;

typedef struct _NnSafetensors NnSafetensors;

/* Tensors in the given order, little-endian F32, header padded with spaces to 8 bytes.
 * metadata_kv: NULL-terminated key, value, key, value …; nullable. Atomic. */
gboolean        nn_safetensors_save            (const char          *path,
                                                const NnTensor      *tensors,
                                                size_t               n_tensors,
                                                const char *const   *metadata_kv,
                                                GError             **error);
/* The file's bytes, for callers that write them elsewhere. */
GBytes         *nn_safetensors_serialize       (const NnTensor      *tensors,
                                                size_t               n_tensors,
                                                const char *const   *metadata_kv,
                                                GError             **error);

/* Errors from _load name the file; those from _load_from_bytes name none, for the caller to.
 * _load reads regular files only, of at most NN_FILE_MAX_CHECKPOINT bytes: a folder, FIFO or
 * device is an NN_FILE_ERROR at once. Tensor names are unique (a repeated one is a BAD_HEADER)
 * and looked up in constant time. */
NnSafetensors  *nn_safetensors_load            (const char          *path,
                                                GError             **error);
NnSafetensors  *nn_safetensors_load_from_bytes (const guint8        *data,
                                                size_t               size,
                                                GError             **error);
void            nn_safetensors_free            (NnSafetensors       *st);

size_t          nn_safetensors_get_n_tensors   (const NnSafetensors *st);
const NnTensor *nn_safetensors_get_tensor      (const NnSafetensors *st,
                                                size_t               i);
const NnTensor *nn_safetensors_lookup          (const NnSafetensors *st,
                                                const char          *name);
const char     *nn_safetensors_get_metadata    (const NnSafetensors *st,
                                                const char          *key);

gboolean        nn_safetensors_check_shape     (const NnTensor      *tensor,
                                                size_t               n_dims,
                                                const size_t        *shape,
                                                GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnSafetensors, nn_safetensors_free)

G_END_DECLS
