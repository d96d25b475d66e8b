/* dl-recipe.c: GSettings → NnTrainConfig, and the drop-downs of presets, optimisers and
 * schedules with a line of description each */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "dl-recipe.h"

#include <glib/gi18n.h>
#include <math.h>

#include "nn-preset.h"

/* Descriptions of the presets (nn_preset_description's, translated); a preset without one here
 * shows the engine's. */
static const char *
preset_description (const char *name)
{
  static const struct { const char *name; const char *description; } known[] = {
    { "reference", N_("The default: two convolutions and two dense layers, Adam, 10 epochs, "
                      "±10° rotation") },
    { "reference-dropout", N_("The reference network with dropout before its last layer") },
    { "small", N_("Two narrow convolutions and one dense layer: fast, a little less "
                  "accurate") },
    { "mlp", N_("No convolutions: one hidden dense layer of 256 units") },
    { "linear", N_("One dense layer on the pixels: the baseline every network must beat") },
    { "quick", N_("A small batch-norm network, one epoch under a one-cycle schedule: a network "
                  "learning live in seconds") },
    { "accurate", N_("A deeper batch-norm network, affine augmentation, one-cycle AdamW and "
                     "label smoothing for 15 epochs, aiming at the highest accuracy") },
  };

  for (size_t i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (known[i].name, name) == 0)
      return _(known[i].description);
  return NULL;
}

const DlChoice *
dl_recipe_presets (size_t *n_choices)
{
  static DlChoice *choices;
  static size_t n;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      const char *const *names = nn_spec_preset_names ();
      size_t count = names != NULL ? g_strv_length ((char **) names) : 0;
      DlChoice *list = g_new0 (DlChoice, count + 1);

      for (size_t i = 0; i < count; i++)
        {
          const char *description = preset_description (names[i]);

          list[i].id = names[i];
          list[i].label = names[i];
          if (description == NULL)
            description = nn_preset_description (names[i]);
          list[i].description = description != NULL ? description
                                                     : nn_spec_preset_lookup (names[i]);
        }
      list[count] = (DlChoice) { "custom", _("custom"), _("Your own spec, written below") };
      n = count + 1;
      choices = list;
      g_once_init_leave (&done, 1);
    }
  *n_choices = n;
  return choices;
}

const DlChoice *
dl_recipe_optimizers (size_t *n_choices)
{
  static DlChoice choices[3];

  if (choices[0].id == NULL)
    {
      choices[0] = (DlChoice) { "adam", _("Adam"),
                                _("Adaptive steps per weight; the default, forgiving choice") };
      choices[1] = (DlChoice) { "adamw", _("AdamW"),
                                _("Adam with decoupled weight decay, as in modern recipes") };
      choices[2] = (DlChoice) { "sgd", _("SGD with momentum"),
                                _("Plain gradient steps with momentum 0.9; needs a larger rate") };
    }
  *n_choices = G_N_ELEMENTS (choices);
  return choices;
}

const DlChoice *
dl_recipe_schedules (size_t *n_choices)
{
  static DlChoice choices[4];

  if (choices[0].id == NULL)
    {
      choices[0] = (DlChoice) { "constant", _("Constant"),
                                _("The same learning rate throughout") };
      choices[1] = (DlChoice) { "step", _("Step"),
                                _("Multiplied by a factor every few epochs") };
      choices[2] = (DlChoice) { "cosine", _("Cosine"),
                                _("Falls along a half cosine to a floor by the last batch") };
      choices[3] = (DlChoice) { "one-cycle", _("One-cycle"),
                                _("Warms up to the rate, then anneals far below it") };
    }
  *n_choices = G_N_ELEMENTS (choices);
  return choices;
}

const DlChoice *
dl_recipe_find_choice (const DlChoice *choices,
                       size_t          n_choices,
                       const char     *id)
{
  for (size_t i = 0; i < n_choices; i++)
    if (g_strcmp0 (choices[i].id, id) == 0)
      return &choices[i];
  return NULL;
}

/* ---- drop-downs with descriptions ---------------------------------------------------- */

typedef struct
{
  const DlChoice *choices;
  size_t          n_choices;
} ChoiceList;

static void
setup_item (GtkSignalListItemFactory *factory,
            GtkListItem              *item,
            gpointer                  with_description)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), title);
  if (GPOINTER_TO_INT (with_description))
    {
      GtkWidget *description = gtk_label_new (NULL);

      gtk_label_set_xalign (GTK_LABEL (description), 0);
      gtk_label_set_wrap (GTK_LABEL (description), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (description), 36);
      gtk_widget_add_css_class (description, "dim-label");
      gtk_widget_add_css_class (description, "caption");
      gtk_box_append (GTK_BOX (box), description);
      gtk_widget_set_margin_top (box, 3);
      gtk_widget_set_margin_bottom (box, 3);
    }
  gtk_list_item_set_child (item, box);
}

static void
bind_item (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           gpointer                  with_description)
{
  const ChoiceList *list = g_object_get_data (G_OBJECT (factory), "dl-choices");
  GtkStringObject *object = gtk_list_item_get_item (item);
  const char *id = gtk_string_object_get_string (object);
  const DlChoice *choice = dl_recipe_find_choice (list->choices, list->n_choices, id);
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box);

  gtk_label_set_label (GTK_LABEL (title), choice != NULL ? choice->label : id);
  if (GPOINTER_TO_INT (with_description))
    gtk_label_set_label (GTK_LABEL (gtk_widget_get_next_sibling (title)),
                         choice != NULL && choice->description != NULL ? choice->description
                                                                       : "");
}

static GtkListItemFactory *
choice_factory (const ChoiceList *list,
                gboolean          with_description)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_object_set_data (G_OBJECT (factory), "dl-choices", (gpointer) list);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_item),
                    GINT_TO_POINTER (with_description));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_item), GINT_TO_POINTER (with_description));
  return factory;
}

void
dl_recipe_setup_choice_row (AdwComboRow    *row,
                            const DlChoice *choices,
                            size_t          n_choices)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GtkListItemFactory) list_factory = NULL;
  ChoiceList *list = g_new (ChoiceList, 1);

  *list = (ChoiceList) { choices, n_choices };
  g_object_set_data_full (G_OBJECT (row), "dl-choices", list, g_free);
  for (size_t i = 0; i < n_choices; i++)
    gtk_string_list_append (model, choices[i].id);
  factory = choice_factory (list, FALSE);
  list_factory = choice_factory (list, TRUE);
  adw_combo_row_set_factory (row, factory);
  adw_combo_row_set_list_factory (row, list_factory);
  adw_combo_row_set_model (row, G_LIST_MODEL (model));
}

/* GSettings holds the id; the combo row an index into its list. */
static gboolean
id_to_index (GValue   *value,
             GVariant *variant,
             gpointer  user_data)
{
  GListModel *model = user_data;
  const char *id = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (gtk_string_object_get_string (item), id) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
index_to_id (const GValue       *value,
             const GVariantType *type,
             gpointer            user_data)
{
  g_autoptr(GtkStringObject) item = g_list_model_get_item (user_data, g_value_get_uint (value));

  return item != NULL ? g_variant_new_string (gtk_string_object_get_string (item)) : NULL;
}

void
dl_recipe_bind_choice (GSettings   *settings,
                       const char  *key,
                       AdwComboRow *row)
{
  g_settings_bind_with_mapping (settings, key, row, "selected", G_SETTINGS_BIND_DEFAULT,
                                id_to_index, index_to_id, adw_combo_row_get_model (row), NULL);
}

/* ---- settings → recipe ------------------------------------------------------------------ */

char *
dl_recipe_spec_from_setting (const char *value)
{
  const char *preset = value != NULL ? nn_spec_preset_lookup (value) : NULL;

  if (preset != NULL)
    return g_strdup (preset);
  return g_strdup (value != NULL && value[0] != '\0' ? value : NN_SPEC_REFERENCE);
}

const char *
dl_recipe_preset_for_spec (const char *text)
{
  const char *const *names = nn_spec_preset_names ();
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));

  for (size_t i = 0; names != NULL && names[i] != NULL; i++)
    if (g_strcmp0 (nn_spec_preset_lookup (names[i]), stripped) == 0)
      return names[i];
  return NULL;
}

void
dl_recipe_augment_from_settings (GSettings       *settings,
                                 NnAugmentConfig *a)
{
  *a = (NnAugmentConfig) {
    .rotation_degrees = (float) g_settings_get_double (settings, "rotation-degrees"),
    .translate = (float) g_settings_get_double (settings, "translate"),
    .scale = (float) g_settings_get_double (settings, "scale"),
    .shear_degrees = (float) g_settings_get_double (settings, "shear-degrees"),
    .elastic_alpha = (float) g_settings_get_double (settings, "elastic-alpha"),
    .elastic_sigma = (float) g_settings_get_double (settings, "elastic-sigma"),
  };
}

void
dl_recipe_from_settings (GSettings     *settings,
                         NnTrainConfig *config)
{
  g_autofree char *architecture = g_settings_get_string (settings, "architecture");
  g_autofree char *optimizer = g_settings_get_string (settings, "optimizer");
  g_autofree char *schedule = g_settings_get_string (settings, "lr-schedule");
  NnOptimizerKind kind = NN_OPTIMIZER_ADAM;
  NnTrainExtras *e = &config->extras;
  NnAugmentConfig a;

  g_free (config->spec);
  config->spec = dl_recipe_spec_from_setting (architecture);
  nn_optimizer_kind_from_string (optimizer, &kind);
  nn_optimizer_config_init (&config->optimizer, kind);
  config->optimizer.learning_rate = g_settings_get_double (settings, "learning-rate");
  config->optimizer.weight_decay = g_settings_get_double (settings, "weight-decay");
  config->epochs = g_settings_get_uint (settings, "epochs");
  config->batch_size = g_settings_get_uint (settings, "batch-size");
  config->validation_size = g_settings_get_uint (settings, "validation-size");
  config->seed = g_settings_get_uint (settings, "seed");

  dl_recipe_augment_from_settings (settings, &a);
  config->rotation_degrees = a.rotation_degrees;
  e->translate = a.translate;
  e->scale = a.scale;
  e->shear_degrees = a.shear_degrees;
  e->elastic_alpha = a.elastic_alpha;
  e->elastic_sigma = a.elastic_sigma;

  nn_lr_schedule_init (&e->lr_schedule);
  nn_lr_schedule_kind_from_string (schedule, &e->lr_schedule.kind);
  e->lr_schedule.step_epochs = g_settings_get_uint (settings, "lr-step-epochs");
  e->lr_schedule.gamma = g_settings_get_double (settings, "lr-gamma");
  e->lr_schedule.min_lr = g_settings_get_double (settings, "lr-min");
  e->lr_schedule.pct_start = g_settings_get_double (settings, "lr-warmup-fraction");
  e->lr_schedule.div_factor = g_settings_get_double (settings, "lr-div-factor");
  e->lr_schedule.final_div_factor = g_settings_get_double (settings, "lr-final-div-factor");
  e->label_smoothing = (float) g_settings_get_double (settings, "label-smoothing");
  e->train_on_all = g_settings_get_boolean (settings, "train-on-all");
}

/* The (minimum, maximum) tuple of a key whose schema gives it a range, else NULL */
static GVariant *
dup_key_limits (GSettings  *settings,
                const char *key)
{
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsSchemaKey) schema_key = NULL;
  g_autoptr(GVariant) range = NULL;
  g_autoptr(GVariant) limits = NULL;
  const char *kind;

  g_object_get (settings, "settings-schema", &schema, NULL);
  schema_key = g_settings_schema_get_key (schema, key);
  range = g_settings_schema_key_get_range (schema_key);
  g_variant_get (range, "(&sv)", &kind, &limits);
  return g_str_equal (kind, "range") ? g_steal_pointer (&limits) : NULL;
}

/* A double key set to value, held within the key's range */
static void
set_double_clamped (GSettings  *settings,
                    const char *key,
                    double      value)
{
  g_autoptr(GVariant) limits = dup_key_limits (settings, key);

  if (limits != NULL)
    {
      double lo, hi;

      g_variant_get (limits, "(dd)", &lo, &hi);
      value = CLAMP (value, lo, hi);
    }
  g_settings_set_double (settings, key, value);
}

static void
set_uint_clamped (GSettings  *settings,
                  const char *key,
                  guint       value)
{
  g_autoptr(GVariant) limits = dup_key_limits (settings, key);

  if (limits != NULL)
    {
      guint lo, hi;

      g_variant_get (limits, "(uu)", &lo, &hi);
      value = CLAMP (value, lo, hi);
    }
  g_settings_set_uint (settings, key, value);
}

void
dl_recipe_to_settings (GSettings           *settings,
                       const NnTrainConfig *c)
{
  const NnTrainExtras *e = &c->extras;
  const char *preset = dl_recipe_preset_for_spec (c->spec);

  /* one change for those who follow the settings, not twenty */
  g_settings_delay (settings);
  g_settings_set_string (settings, "architecture", preset != NULL ? preset : c->spec);
  g_settings_set_string (settings, "optimizer", nn_optimizer_kind_to_string (c->optimizer.kind));
  set_double_clamped (settings, "learning-rate", c->optimizer.learning_rate);
  set_double_clamped (settings, "weight-decay", c->optimizer.weight_decay);
  set_uint_clamped (settings, "epochs", c->epochs);
  set_uint_clamped (settings, "batch-size", c->batch_size);
  set_double_clamped (settings, "rotation-degrees", c->rotation_degrees);
  set_double_clamped (settings, "translate", e->translate);
  set_double_clamped (settings, "scale", e->scale);
  set_double_clamped (settings, "shear-degrees", e->shear_degrees);
  set_double_clamped (settings, "elastic-alpha", e->elastic_alpha);
  set_double_clamped (settings, "elastic-sigma", e->elastic_sigma);
  g_settings_set_string (settings, "lr-schedule",
                         nn_lr_schedule_kind_to_string (e->lr_schedule.kind));
  set_uint_clamped (settings, "lr-step-epochs", e->lr_schedule.step_epochs);
  set_double_clamped (settings, "lr-gamma", e->lr_schedule.gamma);
  set_double_clamped (settings, "lr-min", e->lr_schedule.min_lr);
  set_double_clamped (settings, "lr-warmup-fraction", e->lr_schedule.pct_start);
  set_double_clamped (settings, "lr-div-factor", e->lr_schedule.div_factor);
  set_double_clamped (settings, "lr-final-div-factor", e->lr_schedule.final_div_factor);
  set_double_clamped (settings, "label-smoothing", e->label_smoothing);
  g_settings_set_boolean (settings, "train-on-all", e->train_on_all);
  g_settings_apply (settings);
}

gboolean
dl_recipe_apply_preset (GSettings  *settings,
                        const char *name)
{
  NnTrainConfig config;
  gboolean ok;

  nn_train_config_init (&config);
  dl_recipe_from_settings (settings, &config);
  ok = nn_preset_apply (name, &config, NULL);
  if (ok)
    dl_recipe_to_settings (settings, &config);
  nn_train_config_clear (&config);
  return ok;
}

char *
dl_recipe_describe_augment (const NnAugmentConfig *a)
{
  GString *s = g_string_new (NULL);

  if (nn_augment_config_is_identity (a))
    {
      g_string_free (s, TRUE);
      return g_strdup (_("None: the training images as they are"));
    }
  /* Translators: parts of a list such as "rotation ±10°, shift ±10 %, scale 0.9–1.1" */
  if (a->rotation_degrees > 0)
    g_string_append_printf (s, _("rotation ±%g°"), a->rotation_degrees);
  if (a->translate > 0)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, _("shift ±%g %%"), round (a->translate * 1000) / 10);
    }
  if (a->scale > 0)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, _("scale %g–%g"), 1 - a->scale, 1 + a->scale);
    }
  if (a->shear_degrees > 0)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, _("shear ±%g°"), a->shear_degrees);
    }
  if (a->elastic_alpha > 0)
    {
      if (s->len > 0)
        g_string_append (s, ", ");
      g_string_append_printf (s, _("elastic α %g σ %g"), a->elastic_alpha, a->elastic_sigma);
    }
  /* capitalise the first letter of the list */
  {
    gunichar first = g_utf8_get_char (s->str);
    char upper[8] = { 0 };
    int len = g_unichar_to_utf8 (g_unichar_toupper (first), upper);

    g_string_erase (s, 0, g_utf8_next_char (s->str) - s->str);
    g_string_prepend_len (s, upper, len);
  }
  return g_string_free (s, FALSE);
}

char *
dl_recipe_describe_schedule (GSettings *settings)
{
  g_autofree char *schedule = g_settings_get_string (settings, "lr-schedule");
  size_t n;
  const DlChoice *choice = dl_recipe_find_choice (dl_recipe_schedules (&n), n, schedule);
  double wd = g_settings_get_double (settings, "weight-decay");
  double smoothing = g_settings_get_double (settings, "label-smoothing");
  GString *s = g_string_new (NULL);

  /* Translators: the learning-rate schedule's name */
  g_string_append_printf (s, _("%s learning rate"), choice != NULL ? choice->label : schedule);
  if (wd > 0)
    g_string_append_printf (s, _(", weight decay %g"), wd);
  if (smoothing > 0)
    g_string_append_printf (s, _(", label smoothing %g"), smoothing);
  if (g_settings_get_boolean (settings, "train-on-all"))
    g_string_append (s, _(", on all images"));
  return g_string_free (s, FALSE);
}
