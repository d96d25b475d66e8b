/* nn-train-extras.c: defaults, bounds and the one table of keys every recipe file uses */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-train-extras.h"

#include <math.h>
#include <string.h>

void
nn_train_extras_init (NnTrainExtras *e)
{
  g_return_if_fail (e != NULL);

  memset (e, 0, sizeof *e);
  e->elastic_sigma = 4.0f;     /* Simard et al.'s choice for 28 × 28 digits */
  nn_lr_schedule_init (&e->lr_schedule);
}

void
nn_train_extras_get_augment (const NnTrainExtras *e,
                             float                rotation_degrees,
                             NnAugmentConfig     *a)
{
  *a = (NnAugmentConfig) {
    .rotation_degrees = rotation_degrees,
    .translate = e->translate,
    .scale = e->scale,
    .shear_degrees = e->shear_degrees,
    .elastic_alpha = e->elastic_alpha,
    .elastic_sigma = e->elastic_sigma,
  };
}

const char *
nn_train_extras_check (const NnTrainExtras *e,
                       double               lr)
{
  NnAugmentConfig a;
  const char *problem;

  g_return_val_if_fail (e != NULL, "no recipe");

  /* the rotation is checked with the rest of the recipe */
  nn_train_extras_get_augment (e, 0, &a);
  problem = nn_augment_config_check (&a);
  if (problem == NULL)
    problem = nn_lr_schedule_check (&e->lr_schedule, lr);
  if (problem == NULL &&
      !(e->label_smoothing >= 0 && e->label_smoothing <= NN_TRAIN_MAX_LABEL_SMOOTHING))
    problem = "the label smoothing must be between 0 and 0.5";
  return problem;
}

typedef enum
{
  FIELD_FLOAT,
  FIELD_DOUBLE,
  FIELD_UINT,
  FIELD_BOOL,
  FIELD_SCHEDULE,
} FieldType;

typedef struct
{
  const char *key;
  FieldType   type;
  size_t      offset;
  double      min, max;   /* numbers' bounds, inclusive */
} Field;

#define F(key, type, member, min, max) { key, type, G_STRUCT_OFFSET (NnTrainExtras, member), min, max }
static const Field fields[] = {
  F ("translate", FIELD_FLOAT, translate, 0, NN_AUGMENT_MAX_TRANSLATE),
  F ("scale", FIELD_FLOAT, scale, 0, NN_AUGMENT_MAX_SCALE),
  F ("shear_degrees", FIELD_FLOAT, shear_degrees, 0, NN_AUGMENT_MAX_SHEAR),
  F ("elastic_alpha", FIELD_FLOAT, elastic_alpha, 0, NN_AUGMENT_MAX_ELASTIC_ALPHA),
  F ("elastic_sigma", FIELD_FLOAT, elastic_sigma, NN_AUGMENT_MIN_ELASTIC_SIGMA,
     NN_AUGMENT_MAX_ELASTIC_SIGMA),
  F ("lr_schedule", FIELD_SCHEDULE, lr_schedule.kind, 0, 0),
  F ("lr_step_epochs", FIELD_UINT, lr_schedule.step_epochs, 1, NN_LR_SCHEDULE_MAX_STEP_EPOCHS),
  F ("lr_gamma", FIELD_DOUBLE, lr_schedule.gamma, 0, 1),
  F ("lr_min", FIELD_DOUBLE, lr_schedule.min_lr, 0, 10),
  F ("lr_pct_start", FIELD_DOUBLE, lr_schedule.pct_start, 0, 1),
  F ("lr_div_factor", FIELD_DOUBLE, lr_schedule.div_factor, 1, 1e6),
  F ("lr_final_div_factor", FIELD_DOUBLE, lr_schedule.final_div_factor, 1, 1e9),
  F ("label_smoothing", FIELD_FLOAT, label_smoothing, 0, NN_TRAIN_MAX_LABEL_SMOOTHING),
  F ("train_on_all", FIELD_BOOL, train_on_all, 0, 1),
};
#undef F

#define MEMBER(e, f, type) ((type *) (gpointer) ((char *) (e) + (f)->offset))

/* The shortest of %.15g … %.17g that reads back to v: 0.1, not 0.10000000000000001 */
static const char *
shortest_format (double v)
{
  static const char *const formats[] = { "%.15g", "%.16g" };
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  for (size_t i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, formats[i], v), NULL) == v)
      return formats[i];
  return "%.17g";
}

/* The value as text: numbers exact (a float's shortest form that reads back to it) and in the
 * C locale. */
static char *
field_text (const NnTrainExtras *e,
            const Field         *f)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (f->type)
    {
    case FIELD_FLOAT:
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.9g",
                                        *MEMBER (e, f, const float)));
    case FIELD_DOUBLE:
      return g_strdup (g_ascii_formatd (buf, sizeof buf,
                                        shortest_format (*MEMBER (e, f, const double)),
                                        *MEMBER (e, f, const double)));
    case FIELD_UINT:
      return g_strdup_printf ("%u", *MEMBER (e, f, const guint));
    case FIELD_BOOL:
      return g_strdup (*MEMBER (e, f, const gboolean) ? "true" : "false");
    case FIELD_SCHEDULE:
    default:
      return g_strdup (nn_lr_schedule_kind_to_string (*MEMBER (e, f, const NnLrScheduleKind)));
    }
}

/* Whether a field says something: the parameters of the schedule in use, sigma with an elastic
 * distortion, anything else that is not off. A recipe that trains as recipes did before these
 * fields writes none of them, so its files stay as they were. */
static gboolean
field_in_use (const NnTrainExtras *e,
              const Field         *f)
{
  const NnLrScheduleKind kind = e->lr_schedule.kind;

  if (f->offset == G_STRUCT_OFFSET (NnTrainExtras, elastic_sigma))
    return e->elastic_alpha > 0;
  if (f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.step_epochs) ||
      f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.gamma))
    return kind == NN_LR_SCHEDULE_STEP;
  if (f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.min_lr))
    return kind == NN_LR_SCHEDULE_COSINE;
  if (f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.pct_start) ||
      f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.div_factor) ||
      f->offset == G_STRUCT_OFFSET (NnTrainExtras, lr_schedule.final_div_factor))
    return kind == NN_LR_SCHEDULE_ONE_CYCLE;
  switch (f->type)
    {
    case FIELD_FLOAT:
      return *MEMBER (e, f, const float) != 0;
    case FIELD_BOOL:
      return *MEMBER (e, f, const gboolean);
    case FIELD_SCHEDULE:
      return kind != NN_LR_SCHEDULE_CONSTANT;
    default:
      return TRUE;
    }
}

void
nn_train_extras_write_json (const NnTrainExtras *e,
                            NnJsonWriter        *w)
{
  g_return_if_fail (e != NULL && w != NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];

      if (!field_in_use (e, f))
        continue;

      nn_json_write_key (w, f->key);
      switch (f->type)
        {
        case FIELD_FLOAT:
          nn_json_write_number_fmt (w, "%.9g", *MEMBER (e, f, const float));
          break;
        case FIELD_DOUBLE:
          nn_json_write_number_fmt (w, shortest_format (*MEMBER (e, f, const double)),
                                    *MEMBER (e, f, const double));
          break;
        case FIELD_UINT:
          nn_json_write_uint (w, *MEMBER (e, f, const guint));
          break;
        case FIELD_BOOL:
          nn_json_write_bool (w, *MEMBER (e, f, const gboolean));
          break;
        case FIELD_SCHEDULE:
          nn_json_write_string (w, nn_lr_schedule_kind_to_string (*MEMBER (e, f,
                                                                   const NnLrScheduleKind)));
          break;
        }
    }
}

void
nn_train_extras_write_strings (const NnTrainExtras *e,
                               GPtrArray           *kv)
{
  g_return_if_fail (e != NULL && kv != NULL);

  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      if (!field_in_use (e, &fields[i]))
        continue;
      g_ptr_array_add (kv, g_strdup (fields[i].key));
      g_ptr_array_add (kv, field_text (e, &fields[i]));
    }
}

static gboolean
wrong (GError     **error,
       const Field *f,
       const char  *what)
{
  g_set_error (error, NN_JSON_ERROR, NN_JSON_ERROR_WRONG_TYPE, "“%s” must be %s", f->key, what);
  return FALSE;
}

gboolean
nn_train_extras_read_json (NnTrainExtras     *e,
                           const NnJsonNode  *object,
                           gboolean           as_strings,
                           GError           **error)
{
  g_return_val_if_fail (e != NULL && object != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (size_t i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      const NnJsonNode *node = nn_json_object_get (object, f->key);
      NnJsonKind kind;
      const char *text = NULL;
      double number = NAN;

      if (node == NULL)
        continue;
      kind = nn_json_node_get_kind (node);
      if (as_strings || f->type == FIELD_SCHEDULE)
        {
          if (kind != NN_JSON_STRING)
            return wrong (error, f, "text");
          text = nn_json_node_get_string (node);
        }

      if (f->type == FIELD_SCHEDULE)
        {
          if (!nn_lr_schedule_kind_from_string (text, MEMBER (e, f, NnLrScheduleKind)))
            return wrong (error, f, "constant, step, cosine or one-cycle");
          continue;
        }
      if (f->type == FIELD_BOOL)
        {
          if (text != NULL && (strcmp (text, "true") == 0 || strcmp (text, "false") == 0))
            *MEMBER (e, f, gboolean) = strcmp (text, "true") == 0;
          else if (text == NULL && kind == NN_JSON_BOOL)
            *MEMBER (e, f, gboolean) = nn_json_node_get_bool (node);
          else
            return wrong (error, f, "true or false");
          continue;
        }

      if (text != NULL)
        {
          char *end = NULL;

          number = g_ascii_strtod (text, &end);
          if (end == text || *end != '\0')
            number = NAN;
        }
      else if (kind == NN_JSON_NUMBER)
        number = nn_json_node_get_number (node);
      /* NaN fails the bounds */
      if (!(number >= f->min && number <= f->max))
        {
          g_autofree char *what = g_strdup_printf ("a number from %g to %g", f->min, f->max);

          return wrong (error, f, what);
        }
      switch (f->type)
        {
        case FIELD_FLOAT:
          *MEMBER (e, f, float) = (float) number;
          break;
        case FIELD_DOUBLE:
          *MEMBER (e, f, double) = number;
          break;
        case FIELD_UINT:
          if (number != floor (number))
            return wrong (error, f, "a whole number");
          *MEMBER (e, f, guint) = (guint) number;
          break;
        default:
          break;
        }
    }
  return TRUE;
}
