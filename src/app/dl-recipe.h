/* dl-recipe.h: the training recipe the app keeps in GSettings, and the words it shows for
 * presets, optimisers and schedules */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "nn-trainer.h"

G_BEGIN_DECLS

/* One choice of a drop-down: the identifier kept in GSettings and files, the name shown, and a
 * one-line description under it in the list. */
typedef struct
{
  const char *id;
  const char *label;         /* translated */
  const char *description;   /* translated */
} DlChoice;

/* The architecture presets (nn_spec_preset_names), then "custom". */
const DlChoice *dl_recipe_presets          (size_t             *n_choices);
const DlChoice *dl_recipe_optimizers       (size_t             *n_choices);
const DlChoice *dl_recipe_schedules        (size_t             *n_choices);
/* The choice with that id, or NULL. */
const DlChoice *dl_recipe_find_choice      (const DlChoice     *choices,
                                            size_t              n_choices,
                                            const char         *id);

/* Makes row a drop-down of the choices: its model holds the ids (so GSettings can be bound to
 * the selected one with dl_recipe_bind_choice), the list shows each name with its description,
 * the row the name. */
void            dl_recipe_setup_choice_row (AdwComboRow        *row,
                                            const DlChoice     *choices,
                                            size_t              n_choices);
/* Binds the string key to the row's selected id, both ways. */
void            dl_recipe_bind_choice      (GSettings          *settings,
                                            const char         *key,
                                            AdwComboRow        *row);

/* The architecture setting as a spec: a preset's spec, or the text itself. */
char           *dl_recipe_spec_from_setting (const char        *value);
/* A preset's name when text is exactly its spec, else NULL. */
const char     *dl_recipe_preset_for_spec  (const char         *text);

/* The whole recipe from settings into config (initialised by the caller with
 * nn_train_config_init): architecture, optimiser, epochs, batch, learning rate and its
 * schedule, weight decay, label smoothing, augmentation, validation split, seed. */
void            dl_recipe_from_settings    (GSettings          *settings,
                                            NnTrainConfig      *config);
/* The recipe's training settings from config into settings, at once: all but the run's own
 * (seed, validation split), which a preset leaves alone. Values beyond a key's range are
 * clamped to it. */
void            dl_recipe_to_settings      (GSettings          *settings,
                                            const NnTrainConfig *config);
/* Applies the named preset (nn-preset.h) to the settings: its architecture and its training
 * settings. FALSE for an unknown name. */
gboolean        dl_recipe_apply_preset     (GSettings          *settings,
                                            const char         *name);
/* The augmentation part alone. */
void            dl_recipe_augment_from_settings (GSettings     *settings,
                                                 NnAugmentConfig *augment);
/* A short description of the augmentation ("rotation ±10°, shift ±10 %, …"); translated. */
char           *dl_recipe_describe_augment (const NnAugmentConfig *augment);
/* A short description of the schedule and regularisation; translated. */
char           *dl_recipe_describe_schedule (GSettings         *settings);

G_END_DECLS
