/* nn-safetensors.c: writer and strict reader of the safetensors format */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-safetensors.h"

#include <stdlib.h>
#include <string.h>

#include "nn-file.h"
#include "nn-json.h"

G_DEFINE_QUARK (nn-safetensors-error-quark, nn_safetensors_error)

#define MAX_HEADER ((guint64) 100 << 20)

struct _NnSafetensors
{
  NnTensor   *tensors;      /* (n_tensors) in file order */
  size_t      n_tensors;
  GHashTable *metadata;     /* char* → char* */
  GHashTable *by_name;      /* name (owned by the tensor) → NnTensor* */
};

static gboolean
tensor_count (const size_t *shape,
              size_t        n_dims,
              size_t       *count)
{
  size_t n = 1;

  for (size_t d = 0; d < n_dims; d++)
    if (__builtin_mul_overflow (n, shape[d], &n))
      return FALSE;
  if (__builtin_mul_overflow (n, sizeof (float), &n))
    return FALSE;
  *count = n / sizeof (float);
  return TRUE;
}

static int
compare_keys (const void *a,
              const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GBytes *
nn_safetensors_serialize (const NnTensor    *tensors,
                          size_t             n_tensors,
                          const char *const *metadata_kv,
                          GError           **error)
{
  g_autoptr(GString) header = g_string_new (NULL);
  NnJsonWriter w;
  g_autoptr(GByteArray) out = NULL;
  guint64 offset = 0, header_len;
  guint8 len_bytes[8];
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);

  g_return_val_if_fail (tensors != NULL || n_tensors == 0, NULL);

  nn_json_writer_init (&w, header, TRUE);
  nn_json_write_begin_object (&w, NN_JSON_INLINE);

  if (metadata_kv != NULL && metadata_kv[0] != NULL)
    {
      size_t n_kv = 0;
      g_autofree const char **pairs = NULL;

      while (metadata_kv[n_kv] != NULL)
        {
          if (metadata_kv[n_kv + 1] == NULL)
            {
              g_set_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_BAD_HEADER,
                           "metadata key “%s” has no value", metadata_kv[n_kv]);
              return NULL;
            }
          n_kv += 2;
        }
      /* sorted keys: the same metadata always gives the same bytes */
      pairs = g_new (const char *, n_kv);
      memcpy (pairs, metadata_kv, sizeof (char *) * n_kv);
      qsort (pairs, n_kv / 2, 2 * sizeof (char *), compare_keys);
      nn_json_write_key (&w, "__metadata__");
      nn_json_write_begin_object (&w, NN_JSON_INLINE);
      for (size_t i = 0; i < n_kv; i += 2)
        {
          nn_json_write_key (&w, pairs[i]);
          nn_json_write_string (&w, pairs[i + 1]);
        }
      nn_json_write_end_object (&w);
    }

  for (size_t i = 0; i < n_tensors; i++)
    {
      const NnTensor *t = &tensors[i];
      size_t count;

      if (t->name == NULL || t->name[0] == '\0' || strcmp (t->name, "__metadata__") == 0 ||
          t->n_dims > NN_TENSOR_MAX_DIMS || !tensor_count (t->shape, t->n_dims, &count) ||
          (count > 0 && t->data == NULL))
        {
          g_set_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_SHAPE,
                       "tensor %zu has an invalid name, shape or data", i);
          return NULL;
        }
      if (!g_hash_table_add (names, t->name))
        {
          g_set_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_BAD_HEADER,
                       "two tensors are named “%s”", t->name);
          return NULL;
        }
      nn_json_write_key (&w, t->name);
      nn_json_write_begin_object (&w, NN_JSON_INLINE);
      nn_json_write_key (&w, "dtype");
      nn_json_write_string (&w, "F32");
      nn_json_write_key (&w, "shape");
      nn_json_write_begin_array (&w, NN_JSON_INLINE);
      for (size_t d = 0; d < t->n_dims; d++)
        nn_json_write_uint (&w, t->shape[d]);
      nn_json_write_end_array (&w);
      nn_json_write_key (&w, "data_offsets");
      nn_json_write_begin_array (&w, NN_JSON_INLINE);
      nn_json_write_uint (&w, offset);
      nn_json_write_uint (&w, offset + count * 4);
      nn_json_write_end_array (&w);
      nn_json_write_end_object (&w);
      offset += count * 4;
    }
  nn_json_write_end_object (&w);
  while (header->len % 8 != 0)
    g_string_append_c (header, ' ');

  header_len = header->len;
  for (int b = 0; b < 8; b++)
    len_bytes[b] = (guint8) (header_len >> (8 * b));
  out = g_byte_array_sized_new (8 + header->len + offset);
  g_byte_array_append (out, len_bytes, 8);
  g_byte_array_append (out, (const guint8 *) header->str, header->len);
  for (size_t i = 0; i < n_tensors; i++)
    {
      size_t count = 0;

      tensor_count (tensors[i].shape, tensors[i].n_dims, &count);
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      g_byte_array_append (out, (const guint8 *) tensors[i].data, count * 4);
#else
      for (size_t k = 0; k < count; k++)
        {
          guint32 v;

          memcpy (&v, &tensors[i].data[k], 4);
          v = GUINT32_TO_LE (v);
          g_byte_array_append (out, (const guint8 *) &v, 4);
        }
#endif
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
nn_safetensors_save (const char        *path,
                     const NnTensor    *tensors,
                     size_t             n_tensors,
                     const char *const *metadata_kv,
                     GError           **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize size;
  const char *data;

  g_return_val_if_fail (path != NULL, FALSE);

  bytes = nn_safetensors_serialize (tensors, n_tensors, metadata_kv, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  /* temporary file, fsync, rename: a crash leaves the old file or the new one, never half */
  return g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

void
nn_safetensors_free (NnSafetensors *st)
{
  if (st == NULL)
    return;
  for (size_t i = 0; i < st->n_tensors; i++)
    {
      g_free (st->tensors[i].name);
      g_free (st->tensors[i].data);
    }
  g_free (st->tensors);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_free (st);
}

typedef struct
{
  size_t index;
  guint64 begin;
  guint64 end;
} Span;

static int
compare_spans (const void *a,
               const void *b)
{
  const Span *x = a, *y = b;

  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      int         code,
      const char *format,
      ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, NN_SAFETENSORS_ERROR, code, msg);
  return FALSE;
}

static gboolean
read_size (const NnJsonNode *node,
           guint64          *out)
{
  double v;

  if (nn_json_node_get_kind (node) != NN_JSON_NUMBER)
    return FALSE;
  v = nn_json_node_get_number (node);
  if (!(v >= 0 && v <= 9007199254740992.0) || v != (double) (guint64) v)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

NnSafetensors *
nn_safetensors_load_from_bytes (const guint8  *data,
                                size_t         size,
                                GError       **error)
{
  g_autoptr(NnSafetensors) st = NULL;
  g_autoptr(NnJsonNode) header = NULL;
  g_autoptr(GError) json_error = NULL;
  g_autofree Span *spans = NULL;
  guint64 header_len = 0, data_size;
  const guint8 *payload;
  size_t n_members;

  g_return_val_if_fail (data != NULL || size == 0, NULL);

  if (size < 8)
    return fail (error, NN_SAFETENSORS_ERROR_TRUNCATED, "the file is shorter than 8 bytes"), NULL;
  for (int b = 7; b >= 0; b--)
    header_len = (header_len << 8) | data[b];
  if (header_len > MAX_HEADER)
    return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER,
                 "not a safetensors file (its first 8 bytes give a header of %" G_GUINT64_FORMAT
                 " bytes, more than allowed)", header_len), NULL;
  if (header_len > size - 8)
    return fail (error, NN_SAFETENSORS_ERROR_TRUNCATED,
                 "the header claims %" G_GUINT64_FORMAT " bytes but the file has %zu after "
                 "the length", header_len, size - 8), NULL;

  header = nn_json_parse ((const char *) data + 8, header_len, &json_error);
  if (header == NULL)
    return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER, "the header is not valid JSON (%s)",
                 json_error->message), NULL;
  if (nn_json_node_get_kind (header) != NN_JSON_OBJECT)
    return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER, "the header is not a JSON object"), NULL;

  payload = data + 8 + header_len;
  data_size = size - 8 - header_len;
  n_members = nn_json_object_get_size (header);
  st = g_new0 (NnSafetensors, 1);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->tensors = g_new0 (NnTensor, MAX (n_members, 1));
  spans = g_new0 (Span, MAX (n_members, 1));

  for (size_t i = 0; i < n_members; i++)
    {
      const char *name = nn_json_object_get_key (header, i);
      const NnJsonNode *entry = nn_json_object_get_value (header, i);
      const NnJsonNode *dtype, *shape, *offsets;
      NnTensor *t;
      size_t count;
      guint64 begin, end;

      /* names are unique: the JSON reader refuses an object that repeats a key */
      if (strcmp (name, "__metadata__") == 0)
        {
          if (nn_json_node_get_kind (entry) != NN_JSON_OBJECT)
            return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER,
                         "__metadata__ is not an object"), NULL;
          for (size_t k = 0; k < nn_json_object_get_size (entry); k++)
            {
              const NnJsonNode *v = nn_json_object_get_value (entry, k);

              if (nn_json_node_get_kind (v) != NN_JSON_STRING)
                return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER,
                             "metadata “%s” is not a string", nn_json_object_get_key (entry, k)),
                       NULL;
              g_hash_table_insert (st->metadata, g_strdup (nn_json_object_get_key (entry, k)),
                                   g_strdup (nn_json_node_get_string (v)));
            }
          continue;
        }

      if (nn_json_node_get_kind (entry) != NN_JSON_OBJECT)
        return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER, "tensor “%s” is not an object",
                     name), NULL;
      dtype = nn_json_object_get (entry, "dtype");
      shape = nn_json_object_get (entry, "shape");
      offsets = nn_json_object_get (entry, "data_offsets");
      if (dtype == NULL || nn_json_node_get_kind (dtype) != NN_JSON_STRING ||
          shape == NULL || nn_json_node_get_kind (shape) != NN_JSON_ARRAY ||
          offsets == NULL || nn_json_node_get_kind (offsets) != NN_JSON_ARRAY)
        return fail (error, NN_SAFETENSORS_ERROR_BAD_HEADER,
                     "tensor “%s” needs dtype, shape and data_offsets", name), NULL;
      if (strcmp (nn_json_node_get_string (dtype), "F32") != 0)
        return fail (error, NN_SAFETENSORS_ERROR_UNSUPPORTED,
                     "tensor “%s” has dtype %s; only F32 is supported", name,
                     nn_json_node_get_string (dtype)), NULL;

      t = &st->tensors[st->n_tensors];
      t->n_dims = nn_json_array_get_length (shape);
      if (t->n_dims > NN_TENSOR_MAX_DIMS)
        return fail (error, NN_SAFETENSORS_ERROR_SHAPE, "tensor “%s” has too many dimensions",
                     name), NULL;
      for (size_t d = 0; d < t->n_dims; d++)
        {
          guint64 v;

          if (!read_size (nn_json_array_get_element (shape, d), &v) || v > G_MAXSIZE)
            return fail (error, NN_SAFETENSORS_ERROR_SHAPE, "tensor “%s” has an invalid shape",
                         name), NULL;
          t->shape[d] = (size_t) v;
        }
      if (!tensor_count (t->shape, t->n_dims, &count))
        return fail (error, NN_SAFETENSORS_ERROR_SHAPE, "tensor “%s” is impossibly large", name),
               NULL;
      if (nn_json_array_get_length (offsets) != 2 ||
          !read_size (nn_json_array_get_element (offsets, 0), &begin) ||
          !read_size (nn_json_array_get_element (offsets, 1), &end) || end < begin)
        return fail (error, NN_SAFETENSORS_ERROR_BAD_OFFSETS,
                     "tensor “%s” has invalid data_offsets", name), NULL;
      if (end > data_size)
        return fail (error, NN_SAFETENSORS_ERROR_TRUNCATED,
                     "tensor “%s” ends at byte %" G_GUINT64_FORMAT " but the data has %"
                     G_GUINT64_FORMAT, name, end, data_size), NULL;
      if (end - begin != (guint64) count * 4)
        return fail (error, NN_SAFETENSORS_ERROR_SHAPE,
                     "tensor “%s” has %" G_GUINT64_FORMAT " bytes for %zu values", name,
                     end - begin, count), NULL;

      t->name = g_strdup (name);
      t->data = g_new (float, MAX (count, 1));
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      memcpy (t->data, payload + begin, count * 4);
#else
      for (size_t k = 0; k < count; k++)
        {
          guint32 v;

          memcpy (&v, payload + begin + 4 * k, 4);
          v = GUINT32_FROM_LE (v);
          memcpy (&t->data[k], &v, 4);
        }
#endif
      g_hash_table_insert (st->by_name, t->name, t);
      spans[st->n_tensors] = (Span) { st->n_tensors, begin, end };
      st->n_tensors++;
    }

  /* the tensors tile the data section exactly: no overlap, no gap, nothing after */
  qsort (spans, st->n_tensors, sizeof (Span), compare_spans);
  {
    guint64 expected = 0;

    for (size_t i = 0; i < st->n_tensors; i++)
      {
        if (spans[i].begin != expected)
          return fail (error, NN_SAFETENSORS_ERROR_BAD_OFFSETS, "tensor “%s” %s",
                       st->tensors[spans[i].index].name,
                       spans[i].begin < expected ? "overlaps another" : "leaves a gap before it"),
                 NULL;
        expected = spans[i].end;
      }
    if (expected != data_size)
      return fail (error, NN_SAFETENSORS_ERROR_BAD_OFFSETS,
                   "%" G_GUINT64_FORMAT " bytes after the last tensor belong to none",
                   data_size - expected), NULL;
  }
  return g_steal_pointer (&st);
}

NnSafetensors *
nn_safetensors_load (const char  *path,
                     GError     **error)
{
  g_autofree char *contents = NULL;
  NnSafetensors *st;
  gsize size;

  g_return_val_if_fail (path != NULL, NULL);

  /* a regular file only (never a FIFO or /dev/zero), no larger than the largest kind read */
  if (!nn_file_read (path, NN_FILE_MAX_CHECKPOINT, &contents, &size, error))
    return NULL;
  st = nn_safetensors_load_from_bytes ((const guint8 *) contents, size, error);
  if (st == NULL)
    g_prefix_error (error, "%s: ", path);
  return st;
}

size_t
nn_safetensors_get_n_tensors (const NnSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->n_tensors;
}

const NnTensor *
nn_safetensors_get_tensor (const NnSafetensors *st,
                           size_t               i)
{
  g_return_val_if_fail (st != NULL && i < st->n_tensors, NULL);
  return &st->tensors[i];
}

const NnTensor *
nn_safetensors_lookup (const NnSafetensors *st,
                       const char          *name)
{
  g_return_val_if_fail (st != NULL && name != NULL, NULL);

  return g_hash_table_lookup (st->by_name, name);
}

const char *
nn_safetensors_get_metadata (const NnSafetensors *st,
                             const char          *key)
{
  g_return_val_if_fail (st != NULL && key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}

gboolean
nn_safetensors_check_shape (const NnTensor *tensor,
                            size_t          n_dims,
                            const size_t   *shape,
                            GError        **error)
{
  gboolean ok = tensor->n_dims == n_dims;

  for (size_t d = 0; ok && d < n_dims; d++)
    ok = tensor->shape[d] == shape[d];
  if (!ok)
    {
      GString *want = g_string_new (NULL), *got = g_string_new (NULL);

      for (size_t d = 0; d < n_dims; d++)
        g_string_append_printf (want, "%s%zu", d > 0 ? "×" : "", shape[d]);
      for (size_t d = 0; d < tensor->n_dims; d++)
        g_string_append_printf (got, "%s%zu", d > 0 ? "×" : "", tensor->shape[d]);
      g_set_error (error, NN_SAFETENSORS_ERROR, NN_SAFETENSORS_ERROR_SHAPE,
                   "tensor “%s” is %s but the architecture needs %s", tensor->name,
                   got->len > 0 ? got->str : "a scalar", want->str);
      g_string_free (want, TRUE);
      g_string_free (got, TRUE);
    }
  return ok;
}
