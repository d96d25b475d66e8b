/* nn-spec.c: parse and print architecture specs like "conv(32,3,pad=1) relu maxpool(2) dense(10)" */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-spec.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (nn-spec-error-quark, nn_spec_error)

#define MAX_LAYERS 64
#define MAX_ARGS 4

static const char *const presets[] = {
  "reference", NN_SPEC_REFERENCE,
  "reference-dropout",
  "conv(32,3,pad=1) relu maxpool(2) conv(64,3,pad=1) relu maxpool(2) flatten dense(128) relu "
  "dropout(0.25) dense(10)",
  "small", "conv(8,3,pad=1) relu maxpool(2) conv(16,3,pad=1) relu maxpool(2) flatten dense(10)",
  "mlp", "flatten dense(256) relu dense(10)",
  "linear", "flatten dense(10)",
  "quick", NN_SPEC_QUICK,
  "accurate", NN_SPEC_ACCURATE,
  NULL,
};

static const char *const preset_names[] = {
  "reference", "reference-dropout", "small", "mlp", "linear", "quick", "accurate", NULL,
};

const char *
nn_spec_preset_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (size_t i = 0; presets[i] != NULL; i += 2)
    if (strcmp (presets[i], name) == 0)
      return presets[i + 1];
  return NULL;
}

const char *const *
nn_spec_preset_names (void)
{
  return preset_names;
}

/* A plain decimal number at s ("12", "0.25", "1e-3", "-2"): returns its end, or s when there is
 * none. strtod alone would also take "0x20", "nan" and "inf". */
static const char *
scan_number (const char *s)
{
  const char *q = s;

  if (*q == '-' || *q == '+')
    q++;
  if (!g_ascii_isdigit (*q) && !(*q == '.' && g_ascii_isdigit (q[1])))
    return s;
  while (g_ascii_isdigit (*q))
    q++;
  if (*q == '.')
    {
      q++;
      while (g_ascii_isdigit (*q))
        q++;
    }
  if ((*q == 'e' || *q == 'E') &&
      (g_ascii_isdigit (q[1]) || ((q[1] == '-' || q[1] == '+') && g_ascii_isdigit (q[2]))))
    {
      q += 2;
      while (g_ascii_isdigit (*q))
        q++;
    }
  return q;
}

/* Parses "name" or "name(arg, key=arg, ...)" starting at *p; advances *p. Positional arguments
 * come first, as in Python: "conv(pad=1,8,3)" is an error, not conv(1,8,pad=3); a keyword given
 * twice is one too. */
static gboolean
parse_item (const char **p,
            char       **name,
            NnSpecArg   *args,
            size_t      *n_args,
            GError     **error)
{
  const char *s = *p;
  const char *start = s;

  while (g_ascii_isalnum (*s) || *s == '_' || *s == '-')
    s++;
  if (s == start)
    {
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                   "Architecture: unexpected character “%c”", *s);
      return FALSE;
    }
  *name = g_ascii_strdown (start, s - start);
  *n_args = 0;
  while (*s == ' ' || *s == '\t')
    s++;
  if (*s == '(')
    {
      s++;
      for (;;)
        {
          char *end;

          while (g_ascii_isspace (*s))
            s++;
          if (*s == ')' && *n_args == 0)
            break;
          if (*n_args == MAX_ARGS)
            {
              g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                           "Architecture: %s has too many arguments", *name);
              goto fail;
            }
          args[*n_args].key = NULL;
          if (g_ascii_isalpha (*s))
            {
              const char *k = s;

              while (g_ascii_isalnum (*s) || *s == '_')
                s++;
              while (*s == ' ' || *s == '\t')
                s++;
              if (*s != '=')
                {
                  g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                               "Architecture: expected “=” after “%.*s” in %s",
                               (int) (s - k), k, *name);
                  goto fail;
                }
              args[*n_args].key = g_strndup (k, s - k);
              g_strchomp (args[*n_args].key);
              s++;
              while (*s == ' ' || *s == '\t')
                s++;
              for (size_t i = 0; i < *n_args; i++)
                if (args[i].key != NULL && strcmp (args[i].key, args[*n_args].key) == 0)
                  {
                    g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                                 "Architecture: %s gives “%s” twice", *name, args[i].key);
                    (*n_args)++;
                    goto fail;
                  }
            }
          else if (*n_args > 0 && args[*n_args - 1].key != NULL)
            {
              g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                           "Architecture: in %s(…), a value without a name follows “%s=”: "
                           "plain values come first", *name, args[*n_args - 1].key);
              goto fail;
            }
          end = (char *) scan_number (s);
          if (end != s)
            {
              g_autofree char *digits = g_strndup (s, end - s);

              args[*n_args].value = g_ascii_strtod (digits, NULL);
            }
          if (end == s || g_ascii_isalnum (*end) || *end == '.' || *end == '_')
            {
              g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                           "Architecture: expected a number in %s(…)", *name);
              (*n_args)++;
              goto fail;
            }
          (*n_args)++;
          s = end;
          while (g_ascii_isspace (*s))
            s++;
          if (*s == ',')
            {
              s++;
              continue;
            }
          if (*s == ')')
            break;
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                       "Architecture: expected “,” or “)” in %s(…)", *name);
          goto fail;
        }
      s++;
    }
  *p = s;
  return TRUE;

fail:
  for (size_t i = 0; i < *n_args; i++)
    g_free (args[i].key);
  *n_args = 0;
  g_clear_pointer (name, g_free);
  return FALSE;
}

/* The layer a spec item names, its arguments checked and stored by the layer's kind. */
static gboolean
build_layer (const char      *name,
             const NnSpecArg *args,
             size_t           n_args,
             NnLayerSpec     *layer,
             GError         **error)
{
  const NnLayerClass *klass;
  NnLayerKind kind;
  size_t n_positional = 0;

  memset (layer, 0, sizeof *layer);
  if (!nn_layer_kind_from_string (name, &kind))
    {
      g_autofree char *known = nn_layer_kind_list ();

      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_UNKNOWN_LAYER,
                   "Architecture: unknown layer “%s” (known: %s)", name, known);
      return FALSE;
    }
  klass = nn_layer_class (kind);
  layer->kind = kind;
  /* positional arguments come first (parse_item saw to it), then the kind's options */
  for (size_t i = 0; i < n_args; i++)
    if (args[i].key == NULL)
      n_positional++;
    else if (klass->options == NULL || !g_strv_contains (klass->options, args[i].key))
      {
        g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                     "Architecture: %s has no option “%s”", name, args[i].key);
        return FALSE;
      }
  if (klass->parse == NULL)
    return nn_layer_arg_expect (name, n_positional, 0, 0, error);
  return klass->parse (layer, name, args, n_positional, n_args, error);
}

/* What nn_spec_parse skips between items. */
static inline gboolean
is_separator (char c)
{
  return g_ascii_isspace (c) || c == ';' || c == ',' || c == '>' || c == '-';
}

/* The end of the item at s, without parsing it: its name, and its parenthesis up to the
 * closing one (or the end of the text). */
static const char *
item_end (const char *s)
{
  const char *q = s, *name_end;

  while (g_ascii_isalnum (*q) || *q == '_' || *q == '-')
    q++;
  if (q == s)
    {
      /* the character no item starts with, all its bytes (the text may not be UTF-8) */
      if (*q != '\0')
        q++;
      while (((guchar) *q & 0xC0) == 0x80)
        q++;
      return q;
    }
  name_end = q;
  while (*q == ' ' || *q == '\t')
    q++;
  if (*q != '(')
    return name_end;
  while (*q != '\0' && *q != ')')
    q++;
  return *q == ')' ? q + 1 : q;
}

gboolean
nn_spec_item_span (const char *text,
                   size_t      index,
                   NnSpecSpan *span)
{
  const char *p = text;

  g_return_val_if_fail (text != NULL && span != NULL, FALSE);

  for (size_t i = 0;; i++)
    {
      while (is_separator (*p))
        p++;
      if (*p == '\0')
        return FALSE;
      if (i == index)
        {
          span->start = p - text;
          span->end = item_end (p) - text;
          return TRUE;
        }
      p = item_end (p);
    }
}

NnSpec *
nn_spec_parse (const char  *text,
               GError     **error)
{
  return nn_spec_parse_located (text, NULL, error);
}

NnSpec *
nn_spec_parse_located (const char  *text,
                       NnSpecSpan  *error_span,
                       GError     **error)
{
  g_autoptr(NnSpec) spec = g_new0 (NnSpec, 1);
  const char *p = text;
  NnSpecSpan unused;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (error_span == NULL)
    error_span = &unused;

  spec->layers = g_new0 (NnLayerSpec, MAX_LAYERS);
  for (;;)
    {
      g_autofree char *name = NULL;
      NnSpecArg args[MAX_ARGS];
      size_t n_args = 0;
      gboolean ok;

      const char *item;

      while (is_separator (*p))
        p++;
      if (*p == '\0')
        break;
      item = p;
      /* where an error here points */
      error_span->start = item - text;
      error_span->end = item_end (item) - text;
      if (spec->n_layers == MAX_LAYERS)
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                       "Architecture: more than %d layers", MAX_LAYERS);
          return NULL;
        }
      if (!parse_item (&p, &name, args, &n_args, error))
        return NULL;
      error_span->end = MAX ((size_t) (p - text), error_span->end);
      ok = build_layer (name, args, n_args, &spec->layers[spec->n_layers], error);
      for (size_t i = 0; i < n_args; i++)
        g_free (args[i].key);
      if (!ok)
        return NULL;
      spec->n_layers++;
    }
  if (spec->n_layers == 0)
    {
      error_span->start = 0;
      error_span->end = strlen (text);
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX, "Architecture: no layers");
      return NULL;
    }
  return g_steal_pointer (&spec);
}

char *
nn_spec_to_string (const NnSpec *spec)
{
  GString *s = g_string_new (NULL);

  g_return_val_if_fail (spec != NULL, NULL);

  for (size_t i = 0; i < spec->n_layers; i++)
    {
      const NnLayerSpec *l = &spec->layers[i];
      const NnLayerClass *klass = nn_layer_class (l->kind);

      if (i > 0)
        g_string_append_c (s, ' ');
      if (klass != NULL && klass->print != NULL)
        klass->print (l, s);
      else
        g_string_append (s, nn_layer_kind_to_string (l->kind));
    }
  return g_string_free (s, FALSE);
}

NnSpec *
nn_spec_copy (const NnSpec *spec)
{
  NnSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_new0 (NnSpec, 1);
  copy->n_layers = spec->n_layers;
  copy->layers = g_memdup2 (spec->layers, sizeof (NnLayerSpec) * MAX (spec->n_layers, 1));
  return copy;
}

void
nn_spec_free (NnSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->layers);
  g_free (spec);
}
