/* nn-export.c: the Hugging Face model card, with YAML front matter and a PyTorch example */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-export.h"

#include <math.h>
#include <string.h>


static const char *
dataset_id (const char *dataset)
{
  if (g_strcmp0 (dataset, "mnist") == 0)
    return "mnist";
  if (g_strcmp0 (dataset, "fashion-mnist") == 0)
    return "fashion_mnist";
  return dataset;
}

static const char *
dataset_title (const char *dataset)
{
  if (g_strcmp0 (dataset, "mnist") == 0)
    return "MNIST";
  if (g_strcmp0 (dataset, "fashion-mnist") == 0)
    return "Fashion-MNIST";
  return dataset;
}

/* ---- Text crossing into other formats ------------------------------------------------------
 *
 * Names in a model file (dataset, classes, optimiser) are arbitrary UTF-8 from whoever made the
 * file. Everything the card copies from the model goes through one of these writers, so no name
 * can end a YAML scalar, add front-matter keys, break a table row, open HTML or end a Python
 * string; numbers go through append_number, so that they read the same in every locale. */

#define MAX_NAME_CHARS 100

/* text as valid UTF-8 (bad bytes become U+FFFD), cut to MAX_NAME_CHARS characters with "…" */
static char *
clean_name (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);

  if (g_utf8_strlen (valid, -1) > MAX_NAME_CHARS)
    {
      *g_utf8_offset_to_pointer (valid, MAX_NAME_CHARS - 1) = '\0';
      return g_strconcat (valid, "…", NULL);
    }
  return g_steal_pointer (&valid);
}

/* A number in the C locale whatever setlocale chose; format is one %f or %g conversion. */
static void
append_number (GString    *s,
               const char *format,
               double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (value))
    g_string_append (s, g_ascii_formatd (buf, sizeof buf, format, value));
  else
    g_string_append (s, "n/a");
}

/* A YAML number: null where there is none */
static void
append_yaml_number (GString    *s,
                    const char *format,
                    double      value)
{
  if (isfinite (value))
    append_number (s, format, value);
  else
    g_string_append (s, "null");
}

/* Characters YAML allows unescaped inside double quotes (c-printable), less the line and
 * paragraph separators and the byte-order mark, which some readers take as line breaks. */
static gboolean
yaml_printable (gunichar c)
{
  return (c >= 0x20 && c <= 0x7e) ||
         (c >= 0xa0 && c <= 0xd7ff && c != 0x2028 && c != 0x2029) ||
         (c >= 0xe000 && c <= 0xfffd && c != 0xfeff) ||
         (c >= 0x10000 && c <= 0x10ffff);
}

static gboolean
yaml_plain_safe (const char *text)
{
  static const char *const reserved[] = { "y", "n", "yes", "no", "on", "off", "true", "false",
                                          "null", NULL };

  if (!g_ascii_isalpha (text[0]))
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  /* case-insensitive booleans of YAML 1.1 */
  for (size_t i = 0; reserved[i] != NULL; i++)
    if (g_ascii_strcasecmp (text, reserved[i]) == 0)
      return FALSE;
  return TRUE;
}

/* A YAML string: a plain scalar when it is an identifier such as mnist or Fashion-MNIST that no
 * YAML reader takes for anything else, otherwise a double-quoted scalar with escapes. */
static void
append_yaml_string (GString    *s,
                    const char *text)
{
  g_autofree char *name = clean_name (text);

  if (yaml_plain_safe (name))
    {
      g_string_append (s, name);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", (char) c);
      else if (c == '\n')
        g_string_append (s, "\\n");
      else if (c == '\t')
        g_string_append (s, "\\t");
      else if (c == '\r')
        g_string_append (s, "\\r");
      else if (yaml_printable (c))
        g_string_append_len (s, p, g_utf8_next_char (p) - p);
      else if (c <= 0xff)
        g_string_append_printf (s, "\\x%02X", c);
      else
        g_string_append_printf (s, "\\u%04X", c);
    }
  g_string_append_c (s, '"');
}

/* Inline markdown (a table cell or a heading): one line; ASCII punctuation that markdown, tables
 * or the Hub's math would read is backslash-escaped, HTML's <, > and & become entities, line
 * breaks and tabs become spaces, and other control characters U+FFFD, so nothing hides. */
static void
append_markdown_text (GString    *s,
                      const char *text)
{
  g_autofree char *name = clean_name (text);

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '<')
        g_string_append (s, "&lt;");
      else if (c == '>')
        g_string_append (s, "&gt;");
      else if (c == '&')
        g_string_append (s, "&amp;");
      else if (c < 0x80 && strchr ("\\`*_[]()|#!~$", (int) c) != NULL)
        g_string_append_printf (s, "\\%c", (char) c);
      else if (c == '\t' || c == '\n' || c == '\r')
        g_string_append_c (s, ' ');
      else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029)
        g_string_append (s, "\xef\xbf\xbd");   /* U+FFFD */
      else
        g_string_append_len (s, p, g_utf8_next_char (p) - p);
    }
}

/* A Python str literal in ASCII: quotes, backslashes, controls and every non-ASCII character
 * escaped, so the snippet runs whatever the names hold and however the page is copied; backticks
 * too, so that no name can look like the end of the code block. */
static void
append_python_string (GString    *s,
                      const char *text)
{
  g_autofree char *name = clean_name (text);

  g_string_append_c (s, '"');
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '"' || c == '\\')
        g_string_append_printf (s, "\\%c", (char) c);
      else if (c == '\n')
        g_string_append (s, "\\n");
      else if (c == '\t')
        g_string_append (s, "\\t");
      else if (c == '\r')
        g_string_append (s, "\\r");
      else if (c >= 0x20 && c < 0x7f && c != '`')
        g_string_append_c (s, (char) c);
      else if (c <= 0xff)
        g_string_append_printf (s, "\\x%02x", c);
      else if (c <= 0xffff)
        g_string_append_printf (s, "\\u%04x", c);
      else
        g_string_append_printf (s, "\\U%08x", c);
    }
  g_string_append_c (s, '"');
}

/* PyTorch modules for the same layer list, so state_dict keys match the safetensors names. */
static void
append_pytorch_layers (GString       *s,
                       const NnModel *model)
{
  size_t n = nn_network_get_n_layers (model->net);

  for (size_t i = 0; i < n; i++)
    {
      const NnLayer *l = nn_network_get_layer (model->net, i);

      g_string_append (s, "    ");
      nn_layer_class (l->spec.kind)->append_pytorch (l, s);
      g_string_append_c (s, ',');
      g_string_append_printf (s, "  # %zu\n", i);
    }
}

/* One row of the results table: the cell's name, then numbers in the C locale. */
static void
append_result_row (GString    *s,
                   const char *name,
                   gboolean    bold,
                   double      precision,
                   double      recall,
                   double      f1,
                   size_t      support)
{
  g_string_append (s, bold ? "| **" : "| ");
  append_markdown_text (s, name);
  g_string_append (s, bold ? "** | " : " | ");
  append_number (s, "%.4f", precision);
  g_string_append (s, " | ");
  append_number (s, "%.4f", recall);
  g_string_append (s, " | ");
  append_number (s, "%.4f", f1);
  g_string_append_printf (s, " | %zu |\n", support);
}

char *
nn_export_model_card (const NnModel      *model,
                      const NnEvaluation *ev)
{
  GString *s;
  g_autofree char *spec = NULL;
  const NnModelTraining *t;
  const char *license;

  g_return_val_if_fail (model != NULL && ev != NULL, NULL);

  s = g_string_new ("---\n");
  spec = nn_spec_to_string (nn_network_get_spec (model->net));
  t = &model->training;
  license = g_strcmp0 (model->dataset, "fashion-mnist") == 0 ? "mit" : "cc-by-sa-3.0";

  /* front matter: the Hub reads license, datasets, metrics and model-index */
  g_string_append_printf (s, "license: %s\nlibrary_name: pytorch\npipeline_tag: image-classification\n"
                          "tags:\n  - image-classification\n  - digit-lab\n  - safetensors\n"
                          "datasets:\n  - ", license);
  append_yaml_string (s, dataset_id (model->dataset));
  g_string_append (s, "\nmetrics:\n  - accuracy\n  - f1\n");
  g_string_append (s, "model-index:\n  - name: ");
  append_yaml_string (s, "digit-lab-cnn");
  g_string_append (s, "\n    results:\n      - task:\n          type: image-classification\n"
                      "          name: Image Classification\n        dataset:\n          name: ");
  append_yaml_string (s, dataset_title (model->dataset));
  g_string_append (s, "\n          type: ");
  append_yaml_string (s, dataset_id (model->dataset));
  g_string_append (s, "\n          split: test\n        metrics:\n"
                      "          - type: accuracy\n            value: ");
  append_yaml_number (s, "%.4f", ev->accuracy);
  g_string_append (s, "\n            name: Test accuracy\n"
                      "          - type: f1\n            value: ");
  append_yaml_number (s, "%.4f", ev->macro_f1);
  g_string_append (s, "\n            name: Macro F1\n---\n\n");

  g_string_append (s, "# Digit Lab CNN for ");
  append_markdown_text (s, dataset_title (model->dataset));
  g_string_append_printf (s, "\n\nA small convolutional network trained on the CPU with Digit Lab "
                          "%s, a GNOME app and command-line tool written in C. It classifies "
                          "%zu×%zu grayscale images into %zu classes and reaches **",
                          PACKAGE_VERSION, model->H, model->W, model->n_classes);
  append_number (s, "%.2f", 100 * ev->accuracy);
  g_string_append_printf (s, "%% accuracy** on the %zu test images (macro F1 ", ev->n_samples);
  append_number (s, "%.4f", ev->macro_f1);
  g_string_append (s, ").\n\n");

  /* the spec is the engine's own text (layer names, integers, dropout in the C locale) */
  g_string_append_printf (s, "## Architecture\n\n`%s`\n\n%zu parameters, float32. Tensor names "
                          "match a PyTorch `nn.Sequential` over the same layers (below).\n\n",
                          spec, nn_network_get_n_params (model->net));

  g_string_append (s, "## Training recipe\n\n");
  if (t->known)
    {
      g_string_append (s, "| setting | value |\n|---|---|\n| optimiser | ");
      append_markdown_text (s, t->optimizer);
      g_string_append (s, ", learning rate ");
      append_number (s, "%g", t->learning_rate);
      g_string_append_printf (s, " |\n| batch size | %u |\n"
                              "| epochs | %u (best epoch by validation accuracy: %u) |\n"
                              "| augmentation | random rotation ±", t->batch_size, t->epochs,
                              t->best_epoch);
      append_number (s, "%g", t->rotation_degrees);
      g_string_append_printf (s, "° on training images only |\n"
                              "| validation | %u images held out of the training set, seed %"
                              G_GUINT64_FORMAT " |\n| training images | %u |\n",
                              t->validation_size, t->seed, t->n_train);
    }
  else
    g_string_append (s, "The training settings were not recorded with these weights.\n");
  g_string_append (s, "\nInputs are normalised with the training images' statistics: "
                      "`(pixel / 255 - ");
  append_number (s, "%.6g", model->norm.mean);
  g_string_append (s, ") / ");
  append_number (s, "%.6g", model->norm.std);
  g_string_append (s, "`, pixels 0 = background.\n\n");

  g_string_append (s, "## Results on the test set\n\n| class | precision | recall | F1 | support |\n"
                      "|---|---|---|---|---|\n");
  for (size_t k = 0; k < ev->n_classes; k++)
    append_result_row (s, k < model->n_classes ? model->class_names[k] : "", FALSE,
                       ev->precision[k], ev->recall[k], ev->f1[k], ev->support[k]);
  append_result_row (s, "macro average", TRUE, ev->macro_precision, ev->macro_recall,
                     ev->macro_f1, ev->n_samples);
  g_string_append (s, "\nAccuracy ");
  append_number (s, "%.4f", ev->accuracy);
  g_string_append (s, ", mean cross-entropy ");
  append_number (s, "%.4f", ev->loss);
  g_string_append_printf (s, ", %zu mistakes.\n\n", ev->n_mistakes);

  g_string_append (s, "## Use with PyTorch\n\n```python\nimport torch\nfrom torch import nn\n"
                      "from safetensors.torch import load_file\n\nmodel = nn.Sequential(\n");
  append_pytorch_layers (s, model);
  g_string_append (s, ")\nmodel.load_state_dict(load_file(\"model.safetensors\"))\n"
                      "model.eval()\nclass_names = [");
  for (size_t k = 0; k < model->n_classes; k++)
    {
      if (k > 0)
        g_string_append (s, ", ");
      append_python_string (s, model->class_names[k]);
    }
  g_string_append_printf (s, "]\n\n# image: a (%zu, %zu) float tensor in [0, 1], "
                          "white digit on black\nx = ((image - ", model->H, model->W);
  append_number (s, "%.6g", model->norm.mean);
  g_string_append (s, ") / ");
  append_number (s, "%.6g", model->norm.std);
  g_string_append_printf (s, ").reshape(1, %zu, %zu, %zu)\n"
                          "probabilities = model(x).softmax(dim=1)\n"
                          "print(class_names[probabilities.argmax()])\n```\n\n",
                          model->C, model->H, model->W);
  g_string_append (s, "## Data and licence\n\n");
  if (g_strcmp0 (model->dataset, "fashion-mnist") == 0)
    g_string_append (s, "Trained on Fashion-MNIST by Zalando Research (MIT licence).\n");
  else
    g_string_append (s, "Trained on MNIST by Yann LeCun and Corinna Cortes, licensed CC BY-SA 3.0; "
                        "these weights are shared under the same licence.\n");
  return g_string_free (s, FALSE);
}

gboolean
nn_export_hugging_face (const NnModel      *model,
                        const NnEvaluation *ev,
                        const char         *dir,
                        GError            **error)
{
  g_autofree char *card = NULL;
  g_autofree char *card_path = NULL;

  g_return_val_if_fail (model != NULL && ev != NULL && dir != NULL, FALSE);

  if (!nn_model_save (model, dir, error))
    return FALSE;
  card = nn_export_model_card (model, ev);
  card_path = g_build_filename (dir, "README.md", NULL);
  return g_file_set_contents_full (card_path, card, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   error);
}
