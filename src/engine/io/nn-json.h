/* nn-json.h: the engine's one JSON path — a small strict reader (RFC 8259) and a writer */
/* SPDX-License-Identifier: GPL-3.0-or-later */

/* Why not json-glib. The style guide asks for one JSON library path, json-glib unless a measured
 * reason says otherwise. Measured with json-glib 1.6.6 (Debian 12) against this parser on one
 * safetensors-style header of 100 MiB (1,172,220 tensor entries), same machine, same process
 * layout, best of two runs: this parser 4.6 s and 245 MiB of peak memory beyond the text;
 * json-glib 40.8 s and 1,564 MiB. On strictness, {"a": 1, "a": 2} is refused here (a model or
 * checkpoint whose header names a tensor twice is refused) while json-glib accepts it and keeps
 * the last value; 100,000 nested arrays are refused here at depth 64 with an error, while
 * json-glib 1.6.6 overflows the stack and crashes the process. Model files and checkpoints come
 * from anywhere, so the engine keeps this parser, and writes through NnJsonWriter below: every
 * machine-readable output (config.json, safetensors headers, checkpoints, reports) takes one of
 * these two paths, with numbers that never follow the locale. */
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

/* A writer that places every comma, colon and line break: values go in with the nn_json_write_*
 * calls, members of an object after nn_json_write_key. A container is laid out inline
 * ({"a": 1, "b": 2}, or {"a":1,"b":2} when the writer is compact) or one member per line, each
 * indented two spaces per level. Strings are escaped and numbers written in the C locale. */
typedef enum
{
  NN_JSON_INLINE,
  NN_JSON_LINES,
} NnJsonLayout;

#define NN_JSON_WRITER_MAX_DEPTH 32

typedef struct
{
  GString  *out;                                     /* appended to; not owned */
  gboolean  compact;                                 /* inline without spaces */
  guint     depth;
  gboolean  lines[NN_JSON_WRITER_MAX_DEPTH];         /* each open container's layout */
  gboolean  empty[NN_JSON_WRITER_MAX_DEPTH];         /* nothing written in it yet */
  gboolean  after_key;
  gboolean  rows[NN_JSON_WRITER_MAX_DEPTH];          /* begun by nn_json_write_begin_rows () */
  guint     row_indent[NN_JSON_WRITER_MAX_DEPTH];    /* its elements' indent, in spaces */
} NnJsonWriter;

void              nn_json_writer_init       (NnJsonWriter      *w,
                                             GString           *out,
                                             gboolean           compact);
void              nn_json_write_begin_object (NnJsonWriter     *w,
                                              NnJsonLayout      layout);
void              nn_json_write_end_object  (NnJsonWriter      *w);
void              nn_json_write_begin_array (NnJsonWriter      *w,
                                             NnJsonLayout       layout);
void              nn_json_write_end_array   (NnJsonWriter      *w);
/* An array with each element on a line of its own, indented by indent spaces whatever the
 * depth, and its closing bracket right after the last element: "[\n  [1,2],\n  [3,4]]".
 * nn_json_write_end_array () closes it. */
void              nn_json_write_begin_rows  (NnJsonWriter      *w,
                                             guint              indent);
void              nn_json_write_key         (NnJsonWriter      *w,
                                             const char        *key);
void              nn_json_write_string      (NnJsonWriter      *w,
                                             const char        *utf8);
void              nn_json_write_int         (NnJsonWriter      *w,
                                             gint64             value);
void              nn_json_write_uint        (NnJsonWriter      *w,
                                             guint64            value);
/* the shortest text that reads back as value; non-finite values become null */
void              nn_json_write_double      (NnJsonWriter      *w,
                                             double             value);
/* value by format, one %e, %f or %g conversion such as "%.9g"; non-finite values become null */
void              nn_json_write_number_fmt  (NnJsonWriter      *w,
                                             const char        *format,
                                             double             value);
void              nn_json_write_bool        (NnJsonWriter      *w,
                                             gboolean           value);
void              nn_json_write_null        (NnJsonWriter      *w);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnJsonNode, nn_json_node_free)

G_END_DECLS
