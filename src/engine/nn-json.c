/* nn-json.c: recursive-descent JSON parser with positions in its errors */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-json.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (nn-json-error-quark, nn_json_error)

#define MAX_DEPTH 64
#define MAX_LENGTH ((size_t) 256 << 20)

struct _NnJsonNode
{
  NnJsonKind kind;
  union
  {
    gboolean  boolean;
    double    number;
    char     *string;
    GPtrArray *items;        /* arrays: NnJsonNode*; objects: alternating key (char*), value */
  };
};

typedef struct
{
  const char *text;
  const char *p;
  const char *end;
  GError    **error;
} Parser;

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

static NnJsonNode *
node_new (NnJsonKind kind)
{
  NnJsonNode *node = g_new0 (NnJsonNode, 1);

  node->kind = kind;
  return node;
}

static void
free_object_items (NnJsonNode *node)
{
  /* object items alternate key (char *) and value (NnJsonNode *) */
  GPtrArray *items = node->items;

  for (guint i = 0; i < items->len; i++)
    {
      if (i % 2 == 0)
        g_free (items->pdata[i]);
      else
        nn_json_node_free (items->pdata[i]);
    }
  g_ptr_array_set_size (items, 0);
}

void
nn_json_node_free (NnJsonNode *node)
{
  if (node == NULL)
    return;
  if (node->kind == NN_JSON_STRING)
    g_free (node->string);
  else if (node->kind == NN_JSON_ARRAY)
    g_ptr_array_unref (node->items);
  else if (node->kind == NN_JSON_OBJECT)
    {
      free_object_items (node);
      g_ptr_array_unref (node->items);
    }
  g_free (node);
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

/* ps->p is just past the opening quote. */
static char *
parse_string (Parser *ps)
{
  GString *s = g_string_new (NULL);

  while (ps->p < ps->end)
    {
      unsigned char c = (unsigned char) *ps->p;

      if (c == '"')
        {
          ps->p++;
          if (!g_utf8_validate_len (s->str, s->len, NULL))
            {
              json_error (ps, NN_JSON_ERROR_SYNTAX, "string is not valid UTF-8");
              break;
            }
          return g_string_free (s, FALSE);
        }
      if (c < 0x20)
        {
          json_error (ps, NN_JSON_ERROR_SYNTAX, "control character inside a string");
          break;
        }
      if (c != '\\')
        {
          g_string_append_c (s, (char) c);
          ps->p++;
          continue;
        }
      ps->p++;
      if (ps->p >= ps->end)
        break;
      c = (unsigned char) *ps->p++;
      switch (c)
        {
        case '"': g_string_append_c (s, '"'); break;
        case '\\': g_string_append_c (s, '\\'); break;
        case '/': g_string_append_c (s, '/'); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            guint32 cp, low;

            if (!parse_hex4 (ps, &cp))
              {
                json_error (ps, NN_JSON_ERROR_SYNTAX, "bad \\u escape");
                goto fail;
              }
            if (cp >= 0xD800 && cp <= 0xDBFF)
              {
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
                  {
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "lone surrogate in \\u escape");
                    goto fail;
                  }
                ps->p += 2;
                if (!parse_hex4 (ps, &low) || low < 0xDC00 || low > 0xDFFF)
                  {
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "bad surrogate pair in \\u escape");
                    goto fail;
                  }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
              }
            else if (cp >= 0xDC00 && cp <= 0xDFFF)
              {
                json_error (ps, NN_JSON_ERROR_SYNTAX, "lone surrogate in \\u escape");
                goto fail;
              }
            if (cp == 0)
              {
                json_error (ps, NN_JSON_ERROR_SYNTAX, "\\u0000 is not supported in strings");
                goto fail;
              }
            g_string_append_unichar (s, cp);
            break;
          }
        default:
          json_error (ps, NN_JSON_ERROR_SYNTAX, "unknown escape in a string");
          goto fail;
        }
    }
  if (ps->error == NULL || *ps->error == NULL)
    json_error (ps, NN_JSON_ERROR_SYNTAX, "unterminated string");
fail:
  g_string_free (s, TRUE);
  return NULL;
}

static gboolean
parse_number (Parser *ps,
              double *out)
{
  const char *start = ps->p;
  const char *q = ps->p;
  g_autofree char *copy = NULL;
  char *end;

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
  copy = g_strndup (start, q - start);
  *out = g_ascii_strtod (copy, &end);
  if (!isfinite (*out))
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

static NnJsonNode *
parse_value (Parser *ps,
             int     depth)
{
  NnJsonNode *node;

  skip_space (ps);
  if (ps->p >= ps->end)
    {
      json_error (ps, NN_JSON_ERROR_SYNTAX, "unexpected end of text");
      return NULL;
    }
  if (depth > MAX_DEPTH)
    {
      json_error (ps, NN_JSON_ERROR_TOO_DEEP, "nesting is too deep");
      return NULL;
    }
  switch (*ps->p)
    {
    case '{':
    case '[':
      {
        gboolean is_object = *ps->p == '{';
        char close = is_object ? '}' : ']';

        ps->p++;
        node = node_new (is_object ? NN_JSON_OBJECT : NN_JSON_ARRAY);
        node->items = g_ptr_array_new_with_free_func (is_object ? NULL
                                                      : (GDestroyNotify) nn_json_node_free);
        skip_space (ps);
        if (ps->p < ps->end && *ps->p == close)
          {
            ps->p++;
            return node;
          }
        for (;;)
          {
            NnJsonNode *child;

            skip_space (ps);
            if (is_object)
              {
                char *key;

                if (ps->p >= ps->end || *ps->p != '"')
                  {
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "expected a member name in quotes");
                    goto fail;
                  }
                ps->p++;
                key = parse_string (ps);
                if (key == NULL)
                  goto fail;
                g_ptr_array_add (node->items, key);
                skip_space (ps);
                if (ps->p >= ps->end || *ps->p != ':')
                  {
                    g_ptr_array_add (node->items, NULL);
                    json_error (ps, NN_JSON_ERROR_SYNTAX, "expected “:” after a member name");
                    goto fail;
                  }
                ps->p++;
              }
            child = parse_value (ps, depth + 1);
            if (child == NULL)
              {
                if (is_object)
                  g_ptr_array_add (node->items, NULL);
                goto fail;
              }
            g_ptr_array_add (node->items, child);
            skip_space (ps);
            if (ps->p < ps->end && *ps->p == ',')
              {
                ps->p++;
                continue;
              }
            if (ps->p < ps->end && *ps->p == close)
              {
                ps->p++;
                return node;
              }
            json_error (ps, NN_JSON_ERROR_SYNTAX, is_object ? "expected “,” or “}”"
                                                            : "expected “,” or “]”");
            goto fail;
          }
      fail:
        nn_json_node_free (node);
        return NULL;
      }
    case '"':
      {
        char *s;

        ps->p++;
        s = parse_string (ps);
        if (s == NULL)
          return NULL;
        node = node_new (NN_JSON_STRING);
        node->string = s;
        return node;
      }
    case 't':
    case 'f':
    case 'n':
      if (match_word (ps, "true") || match_word (ps, "false"))
        {
          node = node_new (NN_JSON_BOOL);
          node->boolean = ps->p[-1] == 'e' && ps->p[-4] == 't';
          return node;
        }
      if (match_word (ps, "null"))
        return node_new (NN_JSON_NULL);
      json_error (ps, NN_JSON_ERROR_SYNTAX, "unexpected word");
      return NULL;
    default:
      {
        double v;

        if (!parse_number (ps, &v))
          return NULL;
        node = node_new (NN_JSON_NUMBER);
        node->number = v;
        return node;
      }
    }
}

NnJsonNode *
nn_json_parse (const char  *text,
               size_t       length,
               GError     **error)
{
  Parser ps = { text, text, text + length, error };
  NnJsonNode *root;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > MAX_LENGTH)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_TOO_LARGE, "JSON text is too large");
      return NULL;
    }
  root = parse_value (&ps, 0);
  if (root == NULL)
    return NULL;
  skip_space (&ps);
  if (ps.p != ps.end)
    {
      json_error (&ps, NN_JSON_ERROR_SYNTAX, "unexpected text after the value");
      nn_json_node_free (root);
      return NULL;
    }
  return root;
}

NnJsonKind
nn_json_node_get_kind (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL, NN_JSON_NULL);
  return node->kind;
}

gboolean
nn_json_node_get_bool (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->kind == NN_JSON_BOOL, FALSE);
  return node->boolean;
}

double
nn_json_node_get_number (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->kind == NN_JSON_NUMBER, 0.0);
  return node->number;
}

const char *
nn_json_node_get_string (const NnJsonNode *node)
{
  g_return_val_if_fail (node != NULL && node->kind == NN_JSON_STRING, NULL);
  return node->string;
}

size_t
nn_json_array_get_length (const NnJsonNode *array)
{
  g_return_val_if_fail (array != NULL && array->kind == NN_JSON_ARRAY, 0);
  return array->items->len;
}

const NnJsonNode *
nn_json_array_get_element (const NnJsonNode *array,
                           size_t            i)
{
  g_return_val_if_fail (array != NULL && array->kind == NN_JSON_ARRAY, NULL);
  g_return_val_if_fail (i < array->items->len, NULL);
  return array->items->pdata[i];
}

size_t
nn_json_object_get_size (const NnJsonNode *object)
{
  g_return_val_if_fail (object != NULL && object->kind == NN_JSON_OBJECT, 0);
  return object->items->len / 2;
}

const char *
nn_json_object_get_key (const NnJsonNode *object,
                        size_t            i)
{
  g_return_val_if_fail (i < nn_json_object_get_size (object), NULL);
  return object->items->pdata[2 * i];
}

const NnJsonNode *
nn_json_object_get_value (const NnJsonNode *object,
                          size_t            i)
{
  g_return_val_if_fail (i < nn_json_object_get_size (object), NULL);
  return object->items->pdata[2 * i + 1];
}

const NnJsonNode *
nn_json_object_get (const NnJsonNode *object,
                    const char       *key)
{
  g_return_val_if_fail (object != NULL && object->kind == NN_JSON_OBJECT, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  for (guint i = object->items->len; i >= 2; i -= 2)
    if (strcmp (object->items->pdata[i - 2], key) == 0)
      return object->items->pdata[i - 1];
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
  if (node->kind != kind)
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

  if (node == NULL)
    return FALSE;
  /* doubles hold integers exactly up to 2^53 */
  if (node->number != floor (node->number) || fabs (node->number) > 9007199254740992.0)
    {
      g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_WRONG_TYPE, "“%s” must be a whole number",
                   key);
      return FALSE;
    }
  *out = (gint64) node->number;
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
  *out = node->number;
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
  *out = node->string;
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
