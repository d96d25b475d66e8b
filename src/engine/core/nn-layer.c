/* nn-layer.c: the table of layer kinds, and the helpers their files share */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-layer.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "nn-network.h"
#include "nn-spec.h"

#define NN_LAYER_ROW(ID, klass) extern const NnLayerClass klass;
#include "nn-layer-table.h"
#undef NN_LAYER_ROW

static const NnLayerClass *const layer_table[NN_N_LAYER_KINDS] = {
#define NN_LAYER_ROW(ID, klass) [NN_LAYER_##ID] = &klass,
#include "nn-layer-table.h"
#undef NN_LAYER_ROW
};

const NnLayerClass *
nn_layer_class (NnLayerKind kind)
{
  if ((guint) kind >= NN_N_LAYER_KINDS)
    return NULL;
  return layer_table[kind];
}

gboolean
nn_layer_kind_from_string (const char  *name,
                           NnLayerKind *kind)
{
  for (guint k = 0; k < NN_N_LAYER_KINDS; k++)
    {
      const NnLayerClass *c = layer_table[k];

      if (strcmp (c->name, name) == 0)
        goto found;
      for (size_t a = 0; c->aliases != NULL && c->aliases[a] != NULL; a++)
        if (strcmp (c->aliases[a], name) == 0)
          goto found;
      continue;
    found:
      *kind = (NnLayerKind) k;
      return TRUE;
    }
  return FALSE;
}

const char *
nn_layer_kind_to_string (NnLayerKind kind)
{
  const NnLayerClass *c = nn_layer_class (kind);

  return c != NULL ? c->name : "unknown";
}

char *
nn_layer_kind_list (void)
{
  GString *s = g_string_new (NULL);

  for (guint k = 0; k < NN_N_LAYER_KINDS; k++)
    {
      if (k > 0)
        g_string_append (s, ", ");
      g_string_append (s, layer_table[k]->name);
    }
  return g_string_free (s, FALSE);
}

gboolean
nn_layer_arg_count (const char *layer,
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

gboolean
nn_layer_arg_expect (const char *layer,
                     size_t      n_positional,
                     int         lo,
                     int         hi,
                     GError    **error)
{
  if ((long) n_positional < lo || (long) n_positional > hi)
    {
      g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                   "Architecture: %s takes %d to %d values, not %zu", layer, lo, hi,
                   n_positional);
      return FALSE;
    }
  return TRUE;
}

size_t
nn_layer_mul (size_t    a,
              size_t    b,
              gboolean *overflow)
{
  size_t r;

  if (__builtin_mul_overflow (a, b, &r))
    *overflow = TRUE;
  return r;
}

void
nn_layer_init_uniform (const NnLayer *l,
                       float         *params,
                       NnRng         *rng)
{
  size_t fan_in = l->n_weight / l->n_bias;
  float bound = 1.0f / sqrtf ((float) fan_in);

  for (size_t k = 0; k < l->n_weight; k++)
    params[l->weight_offset + k] = (2.0f * nn_rng_uniform (rng) - 1.0f) * bound;
  for (size_t k = 0; k < l->n_bias; k++)
    params[l->bias_offset + k] = (2.0f * nn_rng_uniform (rng) - 1.0f) * bound;
}

void
nn_layer_set_shape_error (GError        **error,
                          const NnLayer  *l,
                          size_t          index,
                          const char     *format,
                          ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, NN_NETWORK_ERROR, NN_NETWORK_ERROR_BAD_SHAPE, "Layer %zu (%s)%s",
               index + 1, nn_layer_kind_to_string (l->spec.kind), what);
}
