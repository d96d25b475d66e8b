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
  NULL,
};

static const char *const preset_names[] = {
  "reference", "reference-dropout", "small", "mlp", "linear", NULL,
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

const char *
nn_layer_kind_to_string (NnLayerKind kind)
{
  switch (kind)
    {
    case NN_LAYER_CONV2D: return "conv";
    case NN_LAYER_RELU: return "relu";
    case NN_LAYER_MAXPOOL: return "maxpool";
    case NN_LAYER_FLATTEN: return "flatten";
    case NN_LAYER_DENSE: return "dense";
    case NN_LAYER_DROPOUT: return "dropout";
    default: return "unknown";
    }
}

typedef struct
{
  char   *key;              /* NULL for a positional argument */
  double  value;
} Arg;

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
            Arg         *args,
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

static gboolean
get_count (const char *layer,
           const char *what,
           double      value,
           size_t      max,
           size_t     *out,
           GError    **error)
{
  if (!(value >= 1 && value <= (double) max) || value != (double) (size_t) value)
    {
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                   "Architecture: %s needs a whole number %s between 1 and %zu, not %g",
                   layer, what, max, value);
      return FALSE;
    }
  *out = (size_t) value;
  return TRUE;
}

static gboolean
build_layer (const char  *name,
             const Arg   *args,
             size_t       n_args,
             NnLayerSpec *layer,
             GError     **error)
{
  gboolean is_conv = strcmp (name, "conv") == 0 || strcmp (name, "conv2d") == 0;
  size_t n_positional = 0;

  memset (layer, 0, sizeof *layer);
  /* positional arguments come first (parse_item saw to it); the only option is conv's pad */
  for (size_t i = 0; i < n_args; i++)
    if (args[i].key == NULL)
      n_positional++;
    else if (!is_conv || strcmp (args[i].key, "pad") != 0)
      {
        g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                     "Architecture: %s has no option “%s”", name, args[i].key);
        return FALSE;
      }

#define EXPECT_ARGS(lo, hi)                                                        \
  if ((long) n_positional < (lo) || (long) n_positional > (hi))                                \
    {                                                                              \
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,               \
                   "Architecture: %s takes %d to %d values, not %zu", name, lo, hi, \
                   n_positional);                                                  \
      return FALSE;                                                                \
    }

  if (is_conv)
    {
      EXPECT_ARGS (2, 3);
      if (n_args > 3)
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                       "Architecture: %s gives its padding twice", name);
          return FALSE;
        }
      layer->kind = NN_LAYER_CONV2D;
      if (!get_count (name, "of channels", args[0].value, 4096, &layer->channels, error) ||
          !get_count (name, "kernel size", args[1].value, 15, &layer->kernel, error))
        return FALSE;
      layer->pad = 0;
      for (size_t i = 2; i < n_args; i++)
        {
          double v = args[i].value;

          if (!(v >= 0 && v < (double) layer->kernel) || v != (double) (size_t) v)
            {
              g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                           "Architecture: %s padding must be a whole number below the kernel "
                           "size, not %g", name, v);
              return FALSE;
            }
          layer->pad = (size_t) v;
        }
    }
  else if (strcmp (name, "relu") == 0)
    {
      EXPECT_ARGS (0, 0);
      layer->kind = NN_LAYER_RELU;
    }
  else if (strcmp (name, "maxpool") == 0 || strcmp (name, "pool") == 0)
    {
      EXPECT_ARGS (0, 1);
      layer->kind = NN_LAYER_MAXPOOL;
      layer->pool = 2;
      if (n_args == 1 && !get_count (name, "window", args[0].value, 16, &layer->pool, error))
        return FALSE;
    }
  else if (strcmp (name, "flatten") == 0)
    {
      EXPECT_ARGS (0, 0);
      layer->kind = NN_LAYER_FLATTEN;
    }
  else if (strcmp (name, "dense") == 0 || strcmp (name, "linear") == 0)
    {
      EXPECT_ARGS (1, 1);
      layer->kind = NN_LAYER_DENSE;
      if (!get_count (name, "of units", args[0].value, 65536, &layer->units, error))
        return FALSE;
    }
  else if (strcmp (name, "dropout") == 0)
    {
      EXPECT_ARGS (0, 1);
      layer->kind = NN_LAYER_DROPOUT;
      layer->p = n_args == 1 ? (float) args[0].value : 0.5f;
      if (!(layer->p >= 0.0f && layer->p < 1.0f))
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                       "Architecture: dropout probability must be in [0, 1), not %g",
                       args[0].value);
          return FALSE;
        }
    }
  else
    {
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_UNKNOWN_LAYER,
                   "Architecture: unknown layer “%s” (known: conv, relu, maxpool, flatten, "
                   "dense, dropout)", name);
      return FALSE;
    }
#undef EXPECT_ARGS
  return TRUE;
}

NnSpec *
nn_spec_parse (const char  *text,
               GError     **error)
{
  g_autoptr(NnSpec) spec = g_new0 (NnSpec, 1);
  const char *p = text;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  spec->layers = g_new0 (NnLayerSpec, MAX_LAYERS);
  for (;;)
    {
      g_autofree char *name = NULL;
      Arg args[MAX_ARGS];
      size_t n_args = 0;
      gboolean ok;

      while (g_ascii_isspace (*p) || *p == ';' || *p == ',' || *p == '>' || *p == '-')
        p++;
      if (*p == '\0')
        break;
      if (spec->n_layers == MAX_LAYERS)
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_SYNTAX,
                       "Architecture: more than %d layers", MAX_LAYERS);
          return NULL;
        }
      if (!parse_item (&p, &name, args, &n_args, error))
        return NULL;
      ok = build_layer (name, args, n_args, &spec->layers[spec->n_layers], error);
      for (size_t i = 0; i < n_args; i++)
        g_free (args[i].key);
      if (!ok)
        return NULL;
      spec->n_layers++;
    }
  if (spec->n_layers == 0)
    {
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
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (i > 0)
        g_string_append_c (s, ' ');
      switch (l->kind)
        {
        case NN_LAYER_CONV2D:
          if (l->pad > 0)
            g_string_append_printf (s, "conv(%zu,%zu,pad=%zu)", l->channels, l->kernel, l->pad);
          else
            g_string_append_printf (s, "conv(%zu,%zu)", l->channels, l->kernel);
          break;
        case NN_LAYER_MAXPOOL:
          g_string_append_printf (s, "maxpool(%zu)", l->pool);
          break;
        case NN_LAYER_DENSE:
          g_string_append_printf (s, "dense(%zu)", l->units);
          break;
        case NN_LAYER_DROPOUT:
          g_string_append_printf (s, "dropout(%s)",
                                  g_ascii_formatd (buf, sizeof buf, "%g", l->p));
          break;
        case NN_LAYER_RELU:
        case NN_LAYER_FLATTEN:
        default:
          g_string_append (s, nn_layer_kind_to_string (l->kind));
          break;
        }
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
