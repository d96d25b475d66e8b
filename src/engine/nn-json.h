/* nn-json.h: a small strict JSON reader (RFC 8259) and string escaping, without GIO */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NN_JSON_ERROR (nn_json_error_quark ())
GQuark nn_json_error_quark (void);

typedef enum
{
  NN_JSON_ERROR_SYNTAX,
  NN_JSON_ERROR_TOO_DEEP,
  NN_JSON_ERROR_TOO_LARGE,
  NN_JSON_ERROR_MISSING,
  NN_JSON_ERROR_WRONG_TYPE,
} NnJsonError;

typedef enum
{
  NN_JSON_NULL,
  NN_JSON_BOOL,
  NN_JSON_NUMBER,
  NN_JSON_STRING,
  NN_JSON_ARRAY,
  NN_JSON_OBJECT,
} NnJsonKind;

typedef struct _NnJsonNode NnJsonNode;

/* Parses exactly one value; nesting deeper than 64, text over 256 MiB and an object that names
 * a member twice are refused. The tree is one block of about 8 bytes per value plus a copy of
 * the text; only the root that this returns is freed, and nodes live as long as it. */
NnJsonNode       *nn_json_parse             (const char        *text,
                                             size_t             length,
                                             GError           **error);
void              nn_json_node_free         (NnJsonNode        *node);

NnJsonKind        nn_json_node_get_kind     (const NnJsonNode  *node);
gboolean          nn_json_node_get_bool     (const NnJsonNode  *node);
double            nn_json_node_get_number   (const NnJsonNode  *node);
const char       *nn_json_node_get_string   (const NnJsonNode  *node);

size_t            nn_json_array_get_length  (const NnJsonNode  *array);
const NnJsonNode *nn_json_array_get_element (const NnJsonNode  *array,
                                             size_t             i);

/* Members keep their order; keys are unique (the parser refuses duplicates). */
size_t            nn_json_object_get_size   (const NnJsonNode  *object);
const char       *nn_json_object_get_key    (const NnJsonNode  *object,
                                             size_t             i);
const NnJsonNode *nn_json_object_get_value  (const NnJsonNode  *object,
                                             size_t             i);
const NnJsonNode *nn_json_object_get        (const NnJsonNode  *object,
                                             const char        *key);

/* Typed members: a missing member or one of another type is a GError naming the key. */
gboolean          nn_json_object_get_int_member    (const NnJsonNode *object,
                                                    const char       *key,
                                                    gint64           *out,
                                                    GError          **error);
gboolean          nn_json_object_get_double_member (const NnJsonNode *object,
                                                    const char       *key,
                                                    double           *out,
                                                    GError          **error);
gboolean          nn_json_object_get_string_member (const NnJsonNode *object,
                                                    const char       *key,
                                                    const char      **out,
                                                    GError          **error);

/* Appends utf8 as a quoted JSON string literal; control characters become \uXXXX. */
void              nn_json_append_string     (GString           *out,
                                             const char        *utf8);
/* Appends a number that reads back to the same double; non-finite values become null. */
void              nn_json_append_double     (GString           *out,
                                             double             value);

/* Integers as JSON numbers; %d and %u never follow the locale, but one path writes them all. */
void              nn_json_append_int        (GString           *out,
                                             gint64             value);
void              nn_json_append_uint       (GString           *out,
                                             guint64            value);
/* Appends value written by format, one %e, %f or %g conversion such as "%.6g", in the C locale
 * whatever setlocale chose (g_ascii_formatd); non-finite values become null. */
void              nn_json_append_number_fmt (GString           *out,
                                             const char        *format,
                                             double             value);
void              nn_json_append_bool       (GString           *out,
                                             gboolean           value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnJsonNode, nn_json_node_free)

G_END_DECLS
