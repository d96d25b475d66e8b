/* nn-json.c: two-pass JSON parser — a checking pass, then a compact tree in one block */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-json.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (nn-json-error-quark, nn_json_error)

#define MAX_DEPTH 64
#define MAX_LENGTH ((size_t) 256 << 20)
/* Objects with more members than this find duplicate keys through a hash table. */
#define DUPLICATE_SCAN_MAX 8

/* A tree is one allocation: a Block header, the nodes in preorder with each container's
 * children side by side, then a copy of the text in which strings were unescaped in place and
 * NUL-terminated. A node is 8 bytes: numbers and strings point into that text (a number is read
 * again from its digits when asked for), containers to their first child. With at least one byte
 * of text per value, a tree costs at most about 9 times its text and usually far less (the old
 * tree of allocated nodes cost 20 times the text of a list of one-digit numbers). */
struct _NnJsonNode
{
  guint32 head;   /* kind in the top 3 bits; containers: their number of child nodes (objects:
                   * two per member, the key's string node then the value) */
  guint32 rel;    /* numbers, strings: bytes from this node to its text; containers: nodes from
                   * this node to its first child (always after it) */
};

#define KIND_SHIFT 29
#define COUNT_MASK ((1u << KIND_SHIFT) - 1)
#define TRUE_BIT 1u

typedef struct
{
  size_t n_nodes;
  size_t reserved;           /* keeps the nodes 16-byte aligned */
} Block;

typedef struct
{
  const char *text;          /* the caller's text, read by both passes */
  const char *p;
  const char *end;
  GError    **error;

  /* pass 1 */
  size_t      n_nodes;
  GArray     *counts;        /* guint32 child count of each container, in preorder */

  /* pass 2 */
  NnJsonNode *nodes;
  char       *copy;          /* the text's copy inside the block, same offsets as text */
  size_t      cursor;        /* next free node */
  size_t      container;     /* next entry of counts */
} Parser;

static inline NnJsonKind
node_kind (const NnJsonNode *node)
{
  return (NnJsonKind) (node->head >> KIND_SHIFT);
}

static inline guint32
node_count (const NnJsonNode *node)
{
  return node->head & COUNT_MASK;
}

static inline const NnJsonNode *
node_child (const NnJsonNode *node,
            size_t            i)
{
  return node + node->rel + i;
}

static inline const char *
node_text (const NnJsonNode *node)
{
  return (const char *) node + node->rel;
}

static void
json_error (Parser     *ps,
            int         code,
            const char *what)
{
  int line = 1, column = 1;

  for (const char *q = ps->text; q < ps->p; q++)
    {
      if (*q == '\n')
        {
          line++;
          column = 1;
        }
      else
        column++;
    }
  g_set_error (ps->error, NN_JSON_ERROR, code, "JSON, line %d column %d: %s", line, column, what);
}

static void
skip_space (Parser *ps)
{
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

void
nn_json_node_free (NnJsonNode *node)
{
  /* only a tree's root, which nn_json_parse () returned, is ever freed */
  if (node == NULL)
    return;
  g_free ((char *) node - sizeof (Block));
}

static gboolean
parse_hex4 (Parser  *ps,
            guint32 *out)
{
  guint32 v = 0;

  if (ps->end - ps->p < 4)
    return FALSE;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (ps->p[i]);

      if (d < 0)
        return FALSE;
      v = v * 16 + (guint32) d;
    }
  ps->p += 4;
  *out = v;
  return TRUE;
}

/* ps->p is just past the opening quote. Checks the string; in pass 2 (out != NULL) also writes
 * it unescaped and NUL-terminated to out, which never outruns ps->p (no escape is shorter than
 * the UTF-8 it stands for). */
static gboolean
parse_string (Parser *ps,
              char   *out)
{
  const char *start = ps->p;

  while (ps->p < ps->end)
    {
      unsigned char c = (unsigned char) *ps->p;
      guint32 cp, low;

      if (c == '"')
        {
          /* escapes are ASCII: the raw text is valid UTF-8 exactly when the string is */
          if (out == NULL && !g_utf8_validate_len (start, ps->p - start, NULL))
            {
              json_error (ps, NN_JSON_ERROR_SYNTAX, "string is not valid UTF-8");
              return FALSE;
            }
          ps->p++;
          if (out != NULL)
            *out = '\0';
          return TRUE;
        }
      if (c < 0x20)
        {
          json_error (ps, NN_JSON_ERROR_SYNTAX, "control character inside a string");
          return FALSE;
        }
      if (c != '\\')
        {
          if (out != NULL)
            *out++ = (char) c;
          ps->p++;
          continue;
        }
      ps->p++;
      if (ps->p >= ps->end)
        break;
      c = (unsigned char) *ps->p++;
      switch (c)
        {
        case '"': case '\\': case '/': break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u':
          if (!parse_hex4 (ps, &cp))
            {
              json_error (ps, NN_JSON_ERROR_SYNTAX, "bad \\u escape");
              return FALSE;
            }
          if (cp >= 0xD800 && cp <= 0xDBFF)
            {
              if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                {
                  json_error (ps, NN_JSON_ERROR_SYNTAX, "lone surrogate in \\u escape");
                  return FALSE;
                }
              ps->p += 2;
              if (!parse_hex4 (ps, &low) || low < 0xDC00 || low > 0xDFFF)
                {
                  json_error (ps, NN_JSON_ERROR_SYNTAX, "bad surrogate pair in \\u escape");
                  return FALSE;
                }
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
          else if (cp >= 0xDC00 && cp <= 0xDFFF)
            {
              json_error (ps, NN_JSON_ERROR_SYNTAX, "lone surrogate in \\u escape");
              return FALSE;
            }
          if (cp == 0)
            {
              json_error (ps, NN_JSON_ERROR_SYNTAX, "\\u0000 is not supported in strings");
              return FALSE;
            }
          if (out != NULL)
            out += g_unichar_to_utf8 (cp, out);
          continue;
        default:
          json_error (ps, NN_JSON_ERROR_SYNTAX, "unknown escape in a string");
          return FALSE;
        }
      if (out != NULL)
        *out++ = (char) c;
    }
  json_error (ps, NN_JSON_ERROR_SYNTAX, "unterminated string");
  return FALSE;
}

/* The value of the number text [start, end), which the grammar has already accepted. */
static double
read_number (const char *start,
             const char *end)
{
  char buf[64];
  g_autofree char *copy = NULL;
  size_t n = end - start;

  /* the caller's text need not end in NUL (a safetensors header is followed by data) */
  if (n < sizeof buf)
    {
      memcpy (buf, start, n);
      buf[n] = '\0';
      return g_ascii_strtod (buf, NULL);
    }
  copy = g_strndup (start, n);
  return g_ascii_strtod (copy, NULL);
}

static gboolean
parse_number (Parser *ps)
{
  const char *start = ps->p;
  const char *q = ps->p;

  if (q < ps->end && *q == '-')
    q++;
  if (q >= ps->end || !g_ascii_isdigit (*q))
    goto bad;
  if (*q == '0')
    {
      q++;
      if (q < ps->end && g_ascii_isdigit (*q))
        goto bad;            /* leading zeros */
    }
  else
    while (q < ps->end && g_ascii_isdigit (*q))
      q++;
  if (q < ps->end && *q == '.')
    {
      q++;
      if (q >= ps->end || !g_ascii_isdigit (*q))
        goto bad;
      while (q < ps->end && g_ascii_isdigit (*q))
        q++;
    }
  if (q < ps->end && (*q == 'e' || *q == 'E'))
    {
      q++;
      if (q < ps->end && (*q == '+' || *q == '-'))
        q++;
      if (q >= ps->end || !g_ascii_isdigit (*q))
        goto bad;
      while (q < ps->end && g_ascii_isdigit (*q))
        q++;
    }
  if (ps->nodes == NULL && !isfinite (read_number (start, q)))
    {
      json_error (ps, NN_JSON_ERROR_SYNTAX, "number out of range");
      return FALSE;
    }
  ps->p = q;
  return TRUE;

bad:
  ps->p = q;
  json_error (ps, NN_JSON_ERROR_SYNTAX, "malformed number");
  return FALSE;
}

static gboolean
match_word (Parser     *ps,
            const char *word)
{
  size_t n = strlen (word);

  if ((size_t) (ps->end - ps->p) >= n && memcmp (ps->p, word, n) == 0)
    {
      ps->p += n;
      return TRUE;
    }
  return FALSE;
}

static void
set_node (Parser     *ps,
          size_t      index,
          NnJsonKind  kind,
          guint32     low,
          guint64     rel)
{
  g_assert (rel <= G_MAXUINT32);
  ps->nodes[index].head = ((guint32) kind << KIND_SHIFT) | low;
  ps->nodes[index].rel = (guint32) rel;
}

static void
set_text_node (Parser     *ps,
               size_t      index,
               NnJsonKind  kind,
               const char *text_at)
{
  set_node (ps, index, kind, 0,
            (guint64) (ps->copy + (text_at - ps->text) - (char *) &ps->nodes[index]));
}

/* Pass 2: after an object's keys are in place, refuses the first key seen twice. Pairs are
 * compared while there are few; a hash table keeps larger objects linear. */
static gboolean
check_duplicate_keys (Parser *ps,
                      size_t  first,
                      size_t  n_members)
{
  g_autoptr(GHashTable) seen = NULL;

  if (n_members < 2)
    return TRUE;
  if (n_members > DUPLICATE_SCAN_MAX)
    seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (size_t i = 0; i < n_members; i++)
    {
      const char *key = node_text (&ps->nodes[first + 2 * i]);
      gboolean twice = FALSE;

      if (seen != NULL)
        twice = !g_hash_table_add (seen, (gpointer) key);
      else
        for (size_t j = 0; j < i && !twice; j++)
          twice = strcmp (node_text (&ps->nodes[first + 2 * j]), key) == 0;
      if (twice)
        {
          g_autofree char *what = g_strdup_printf ("the member name “%s” appears twice", key);

          json_error (ps, NN_JSON_ERROR_SYNTAX, what);
          return FALSE;
        }
    }
  return TRUE;
}

/* Parses one value. Pass 1 (ps->nodes == NULL) checks everything but duplicate keys, counts
 * nodes and records each container's count; pass 2 writes the value to node `index` and its
 * children to blocks taken from ps->cursor. */
static gboolean
parse_value (Parser *ps,
             int     depth,
             size_t  index)
{
  gboolean build = ps->nodes != NULL;

  skip_space (ps);
  if (ps->p >= ps->end)
    {
      json_error (ps, NN_JSON_ERROR_SYNTAX, "unexpected end of text");
      return FALSE;
    }
  if (depth > MAX_DEPTH)
    {
      json_error (ps, NN_JSON_ERROR_TOO_DEEP, "nesting is too deep");
      return FALSE;
    }
  if (!build)
    ps->n_nodes++;
  switch (*ps->p)
    {
    case '{':
    case '[':
      {
        gboolean is_object = *ps->p == '{';
        char close = is_object ? '}' : ']';
        size_t entry = 0, first = 0, n_children = 0, total = 0;
        const char *members_end;

        ps->p++;
        if (build)
          {
            entry = ps->container++;
            total = g_array_index (ps->counts, guint32, entry);
            first = ps->cursor;
            ps->cursor += total;
            set_node (ps, index, is_object ? NN_JSON_OBJECT : NN_JSON_ARRAY, (guint32) total,
                      first - index);
          }
        else
          {
            guint32 zero = 0;

            entry = ps->counts->len;
            g_array_append_val (ps->counts, zero);
          }
        skip_space (ps);
        if (ps->p < ps->end && *ps->p == close)
          {
            ps->p++;
            return TRUE;
          }
        for (;;)
          {
            skip_space (ps);
            if (is_object)
              {
                if (ps->p >= ps->end || *ps->p != '"')
                  {
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "expected a member name in quotes");
                    return FALSE;
                  }
                ps->p++;
                if (build)
                  set_text_node (ps, first + n_children, NN_JSON_STRING, ps->p);
                else
                  ps->n_nodes++;
                if (!parse_string (ps, build ? ps->copy + (ps->p - ps->text) : NULL))
                  return FALSE;
                n_children++;
                skip_space (ps);
                if (ps->p >= ps->end || *ps->p != ':')
                  {
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "expected “:” after a member name");
                    return FALSE;
                  }
                ps->p++;
              }
            if (!parse_value (ps, depth + 1, first + n_children))
              return FALSE;
            n_children++;
            skip_space (ps);
            if (ps->p < ps->end && *ps->p == ',')
              {
                ps->p++;
                continue;
              }
            if (ps->p < ps->end && *ps->p == close)
              break;
            json_error (ps, NN_JSON_ERROR_SYNTAX, is_object ? "expected “,” or “}”"
                                                            : "expected “,” or “]”");
            return FALSE;
          }
        members_end = ps->p;
        ps->p++;
        if (!build)
          {
            if (n_children > COUNT_MASK)
              {
                json_error (ps, NN_JSON_ERROR_TOO_LARGE, "too many elements");
                return FALSE;
              }
            g_array_index (ps->counts, guint32, entry) = (guint32) n_children;
            return TRUE;
          }
        g_assert (n_children == total);
        if (is_object)
          {
            gboolean ok;

            /* the error points at the end of the object */
            ps->p = members_end;
            ok = check_duplicate_keys (ps, first, n_children / 2);
            ps->p = members_end + 1;
            return ok;
          }
        return TRUE;
      }
    case '"':
      ps->p++;
      if (build)
        set_text_node (ps, index, NN_JSON_STRING, ps->p);
      return parse_string (ps, build ? ps->copy + (ps->p - ps->text) : NULL);
    case 't':
    case 'f':
    case 'n':
      if (match_word (ps, "true") || match_word (ps, "false"))
        {
          if (build)
            set_node (ps, index, NN_JSON_BOOL, ps->p[-1] == 'e' && ps->p[-4] == 't' ? TRUE_BIT : 0,
                      0);
          return TRUE;
        }
      if (match_word (ps, "null"))
        {
          if (build)
            set_node (ps, index, NN_JSON_NULL, 0, 0);
          return TRUE;
        }
      json_error (ps, NN_JSON_ERROR_SYNTAX, "unexpected word");
      return FALSE;
    default:
      if (build)
        set_text_node (ps, index, NN_JSON_NUMBER, ps->p);
      return parse_number (ps);
    }
}

NnJsonNode *
nn_json_parse (const char  *text,
               size_t       length,
               GError     **error)
{
  Parser ps = { text, text, text + length, error };
  g_autoptr(GArray) counts = NULL;
  g_autofree char *block = NULL;
  size_t nodes_bytes;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > MAX_LENGTH)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_TOO_LARGE, "JSON text is too large");
      return NULL;
    }

  /* pass 1: check the text, count the nodes and each container's children */
  counts = g_array_new (FALSE, FALSE, sizeof (guint32));
  ps.counts = counts;
  if (!parse_value (&ps, 0, 0))
    return NULL;
  skip_space (&ps);
  if (ps.p != ps.end)
    {
      json_error (&ps, NN_JSON_ERROR_SYNTAX, "unexpected text after the value");
      return NULL;
    }

  /* pass 2: the tree, in a block sized exactly; at most one node per byte of text keeps every
   * offset within 32 bits */
  nodes_bytes = sizeof (NnJsonNode) * ps.n_nodes;
  block = g_try_malloc (sizeof (Block) + nodes_bytes + length + 1);
  if (block == NULL)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_TOO_LARGE,
                   "not enough memory for a JSON text of %zu bytes", length);
      return NULL;
    }
  ((Block *) block)->n_nodes = ps.n_nodes;
  ps.nodes = (NnJsonNode *) (block + sizeof (Block));
  ps.copy = block + sizeof (Block) + nodes_bytes;
  if (length > 0)
    memcpy (ps.copy, text, length);
  ps.copy[length] = '\0';
  ps.p = text;
  ps.cursor = 1;
  if (!parse_value (&ps, 0, 0))
    return NULL;
  g_assert (ps.cursor == ps.n_nodes && ps.container == counts->len);
  return (NnJsonNode *) (g_steal_pointer (&block) + sizeof (Block));
}

NnJsonKind
nn_json_node_get_kind (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL, NN_JSON_NULL);
  return node_kind (node);
}

gboolean
nn_json_node_get_bool (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node_kind (node) == NN_JSON_BOOL, FALSE);
  return (node->head & TRUE_BIT) != 0;
}

double
nn_json_node_get_number (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node_kind (node) == NN_JSON_NUMBER, 0.0);
  /* the copy ends in NUL and a delimiter follows every number inside it */
  return g_ascii_strtod (node_text (node), NULL);
}

const char *
nn_json_node_get_string (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node_kind (node) == NN_JSON_STRING, NULL);
  return node_text (node);
}

size_t
nn_json_array_get_length (const NnJsonNode *array)
{
  g_return_val_if_fail (array != NULL && node_kind (array) == NN_JSON_ARRAY, 0);
  return node_count (array);
}

const NnJsonNode *
nn_json_array_get_element (const NnJsonNode *array,
                           size_t            i)
{
  g_return_val_if_fail (array != NULL && node_kind (array) == NN_JSON_ARRAY, NULL);
  g_return_val_if_fail (i < node_count (array), NULL);
  return node_child (array, i);
}

size_t
nn_json_object_get_size (const NnJsonNode *object)
{
  g_return_val_if_fail (object != NULL && node_kind (object) == NN_JSON_OBJECT, 0);
  return node_count (object) / 2;
}

const char *
nn_json_object_get_key (const NnJsonNode *object,
                        size_t            i)
{
  g_return_val_if_fail (i < nn_json_object_get_size (object), NULL);
  return node_text (node_child (object, 2 * i));
}

const NnJsonNode *
nn_json_object_get_value (const NnJsonNode *object,
                          size_t            i)
{
  g_return_val_if_fail (i < nn_json_object_get_size (object), NULL);
  return node_child (object, 2 * i + 1);
}

const NnJsonNode *
nn_json_object_get (const NnJsonNode *object,
                    const char       *key)
{
  size_t n;

  g_return_val_if_fail (object != NULL && node_kind (object) == NN_JSON_OBJECT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  n = node_count (object) / 2;
  for (size_t i = 0; i < n; i++)
    if (strcmp (node_text (node_child (object, 2 * i)), key) == 0)
      return node_child (object, 2 * i + 1);
  return NULL;
}

static const NnJsonNode *
typed_member (const NnJsonNode *object,
              const char       *key,
              NnJsonKind        kind,
              const char       *kind_name,
              GError          **error)
{
  const NnJsonNode *node = nn_json_object_get (object, key);

  if (node == NULL)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_MISSING, "“%s” is missing", key);
      return NULL;
    }
  if (node_kind (node) != kind)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_WRONG_TYPE, "“%s” must be %s", key,
                   kind_name);
      return NULL;
    }
  return node;
}

gboolean
nn_json_object_get_int_member (const NnJsonNode *object,
                               const char       *key,
                               gint64           *out,
                               GError          **error)
{
  const NnJsonNode *node = typed_member (object, key, NN_JSON_NUMBER, "a whole number", error);
  double v;

  if (node == NULL)
    return FALSE;
  v = nn_json_node_get_number (node);
  /* doubles hold integers exactly up to 2^53 */
  if (v != floor (v) || fabs (v) > 9007199254740992.0)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_WRONG_TYPE, "“%s” must be a whole number",
                   key);
      return FALSE;
    }
  *out = (gint64) v;
  return TRUE;
}

gboolean
nn_json_object_get_double_member (const NnJsonNode *object,
                                  const char       *key,
                                  double           *out,
                                  GError          **error)
{
  const NnJsonNode *node = typed_member (object, key, NN_JSON_NUMBER, "a number", error);

  if (node == NULL)
    return FALSE;
  *out = nn_json_node_get_number (node);
  return TRUE;
}

gboolean
nn_json_object_get_string_member (const NnJsonNode *object,
                                  const char       *key,
                                  const char      **out,
                                  GError          **error)
{
  const NnJsonNode *node = typed_member (object, key, NN_JSON_STRING, "a string", error);

  if (node == NULL)
    return FALSE;
  *out = node_text (node);
  return TRUE;
}

void
nn_json_append_string (GString    *out,
                       const char *utf8)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) utf8; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

void
nn_json_append_double (GString *out,
                       double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
}

void
nn_json_append_int (GString *out,
                    gint64   value)
{
  g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
}

void
nn_json_append_uint (GString *out,
                     guint64  value)
{
  g_string_append_printf (out, "%" G_GUINT64_FORMAT, value);
}

void
nn_json_append_number_fmt (GString    *out,
                           const char *format,
                           double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (format != NULL);

  if (!isfinite (value))
    g_string_append (out, "null");
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, value));
}

void
nn_json_append_bool (GString  *out,
                     gboolean  value)
{
  g_string_append (out, value ? "true" : "false");
}

/* ---- Writing ------------------------------------------------------------------------------ */

void
nn_json_writer_init (NnJsonWriter *w,
                     GString      *out,
                     gboolean      compact)
{
  g_return_if_fail (w != NULL && out != NULL);

  memset (w, 0, sizeof *w);
  w->out = out;
  w->compact = compact;
}

static void
writer_indent (NnJsonWriter *w,
               guint         depth)
{
  g_string_append_c (w->out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append (w->out, "  ");
}

/* What goes before a value or a key: nothing after a key, else the separator of the container. */
static void
writer_before (NnJsonWriter *w)
{
  guint d = w->depth;

  if (w->after_key)
    {
      w->after_key = FALSE;
      return;
    }
  if (d == 0)
    return;
  if (!w->empty[d - 1])
    g_string_append_c (w->out, ',');
  if (w->rows[d - 1])
    {
      g_string_append_c (w->out, '\n');
      for (guint i = 0; i < w->row_indent[d - 1]; i++)
        g_string_append_c (w->out, ' ');
    }
  else if (w->lines[d - 1])
    writer_indent (w, d);
  else if (!w->empty[d - 1] && !w->compact)
    g_string_append_c (w->out, ' ');
  w->empty[d - 1] = FALSE;
}

static void
writer_begin (NnJsonWriter *w,
              char          bracket,
              NnJsonLayout  layout)
{
  g_return_if_fail (w->depth < NN_JSON_WRITER_MAX_DEPTH);

  writer_before (w);
  g_string_append_c (w->out, bracket);
  w->lines[w->depth] = layout == NN_JSON_LINES;
  w->empty[w->depth] = TRUE;
  w->rows[w->depth] = FALSE;
  w->row_indent[w->depth] = 0;
  w->depth++;
}

static void
writer_end (NnJsonWriter *w,
            char          bracket)
{
  g_return_if_fail (w->depth > 0 && !w->after_key);

  w->depth--;
  if (w->lines[w->depth] && !w->rows[w->depth] && !w->empty[w->depth])
    writer_indent (w, w->depth);
  g_string_append_c (w->out, bracket);
}

void
nn_json_write_begin_object (NnJsonWriter *w,
                            NnJsonLayout  layout)
{
  writer_begin (w, '{', layout);
}

void
nn_json_write_end_object (NnJsonWriter *w)
{
  writer_end (w, '}');
}

void
nn_json_write_begin_array (NnJsonWriter *w,
                           NnJsonLayout  layout)
{
  writer_begin (w, '[', layout);
}

void
nn_json_write_end_array (NnJsonWriter *w)
{
  writer_end (w, ']');
}

void
nn_json_write_begin_rows (NnJsonWriter *w,
                          guint         indent)
{
  guint depth = w->depth;

  writer_begin (w, '[', NN_JSON_LINES);
  if (w->depth == depth + 1)
    {
      w->rows[depth] = TRUE;
      w->row_indent[depth] = indent;
    }
}

void
nn_json_write_key (NnJsonWriter *w,
                   const char   *key)
{
  g_return_if_fail (w->depth > 0 && !w->after_key && key != NULL);

  writer_before (w);
  nn_json_append_string (w->out, key);
  g_string_append (w->out, w->compact ? ":" : ": ");
  w->after_key = TRUE;
}

void
nn_json_write_string (NnJsonWriter *w,
                      const char   *utf8)
{
  writer_before (w);
  nn_json_append_string (w->out, utf8 != NULL ? utf8 : "");
}

void
nn_json_write_int (NnJsonWriter *w,
                   gint64        value)
{
  writer_before (w);
  nn_json_append_int (w->out, value);
}

void
nn_json_write_uint (NnJsonWriter *w,
                    guint64       value)
{
  writer_before (w);
  nn_json_append_uint (w->out, value);
}

void
nn_json_write_double (NnJsonWriter *w,
                      double        value)
{
  writer_before (w);
  nn_json_append_double (w->out, value);
}

void
nn_json_write_number_fmt (NnJsonWriter *w,
                          const char   *format,
                          double        value)
{
  writer_before (w);
  nn_json_append_number_fmt (w->out, format, value);
}

void
nn_json_write_bool (NnJsonWriter *w,
                    gboolean      value)
{
  writer_before (w);
  nn_json_append_bool (w->out, value);
}

void
nn_json_write_null (NnJsonWriter *w)
{
  writer_before (w);
  g_string_append (w->out, "null");
}
