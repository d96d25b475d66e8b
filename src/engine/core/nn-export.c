/* nn-export.c: the Hugging Face model card, with YAML front matter and a PyTorch example */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-export.h"

#include <math.h>
#include <string.h>

#include "nn-png.h"


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

/* ", cosine schedule down to 0": the learning-rate schedule when it is not constant */
static void
append_schedule (GString             *s,
                 const NnTrainExtras *e)
{
  const NnLrSchedule *l = &e->lr_schedule;

  switch (l->kind)
    {
    case NN_LR_SCHEDULE_STEP:
      g_string_append_printf (s, ", step schedule (× ");
      append_number (s, "%g", l->gamma);
      g_string_append_printf (s, " every %u epoch%s)", l->step_epochs, l->step_epochs == 1 ? "" : "s");
      break;
    case NN_LR_SCHEDULE_COSINE:
      g_string_append (s, ", cosine schedule down to ");
      append_number (s, "%g", l->min_lr);
      break;
    case NN_LR_SCHEDULE_ONE_CYCLE:
      g_string_append (s, ", one-cycle schedule (rising over ");
      append_number (s, "%g", 100 * l->pct_start);
      g_string_append (s, "% of the steps)");
      break;
    default:
      break;
    }
}

/* "; translation ±10%, scale ±10%, shear ±5°, elastic α 8 σ 4": what is on besides rotation */
static void
append_augmentation (GString             *s,
                     const NnTrainExtras *e)
{
  if (e->translate > 0)
    {
      g_string_append (s, ", translation ±");
      append_number (s, "%g", 100 * e->translate);
      g_string_append_c (s, '%');
    }
  if (e->scale > 0)
    {
      g_string_append (s, ", scale ±");
      append_number (s, "%g", 100 * e->scale);
      g_string_append_c (s, '%');
    }
  if (e->shear_degrees > 0)
    {
      g_string_append (s, ", shear ±");
      append_number (s, "%g", e->shear_degrees);
      g_string_append (s, "°");
    }
  if (e->elastic_alpha > 0)
    {
      g_string_append (s, ", elastic distortion α ");
      append_number (s, "%g", e->elastic_alpha);
      g_string_append (s, " σ ");
      append_number (s, "%g", e->elastic_sigma);
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

void
nn_export_example_free (NnExportExample *example)
{
  if (example == NULL)
    return;
  g_free (example->file);
  g_free (example->probs);
  g_free (example);
}

GPtrArray *
nn_export_predict_examples (const NnModel    *model,
                            const NnImageSet *images,
                            guint             n_examples,
                            GError          **error)
{
  g_autoptr(GPtrArray) examples = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  nn_export_example_free);
  g_autoptr(NnModel) copy = NULL;
  size_t n = 0;

  g_return_val_if_fail (model != NULL && images != NULL, NULL);

  if (images->rows != model->H || images->cols != model->W || model->C != 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MISMATCH,
                   "The example images are %zu×%zu, the model takes %zu×%zu×%zu", images->rows,
                   images->cols, model->C, model->H, model->W);
      return NULL;
    }
  /* the caller's model stays untouched: predictions run on a copy of the weights */
  copy = nn_model_copy (model, 1, error);
  if (copy == NULL)
    return NULL;
  n = images->rows * images->cols;
  for (guint k = 0; k < model->n_classes && examples->len < n_examples; k++)
    for (size_t i = 0; i < images->n_images; i++)
      {
        NnExportExample *example;
        g_autofree float *x = NULL;   /* (1, H, W) in [0, 1] */

        if (images->labels[i] != k)
          continue;
        x = g_new (float, n);
        for (size_t p = 0; p < n; p++)
          x[p] = images->pixels[i * n + p] / 255.0f;
        example = g_new0 (NnExportExample, 1);
        example->index = i;
        example->label = k;
        example->n_classes = model->n_classes;
        example->probs = g_new (float, model->n_classes);
        example->file = g_strdup_printf ("example-%u-%zu.png", examples->len + 1, i);
        nn_model_predict_image (copy, x, example->probs);
        g_ptr_array_add (examples, example);
        break;
      }
  return g_steal_pointer (&examples);
}

/* The widget's examples in the front matter: each image with the model's three most probable
 * classes, as the Hub's image-classification widget shows them. */
static void
append_widget (GString       *s,
               const NnModel *model,
               GPtrArray     *examples)
{
  if (examples == NULL || examples->len == 0)
    return;
  g_string_append (s, "widget:\n");
  for (guint e = 0; e < examples->len; e++)
    {
      const NnExportExample *ex = examples->pdata[e];
      g_autofree size_t *order = g_new (size_t, ex->n_classes);
      g_autofree char *title = NULL;

      for (size_t k = 0; k < ex->n_classes; k++)
        order[k] = k;
      /* most probable first; ties by class index, so the text is stable */
      for (size_t a = 1; a < ex->n_classes; a++)
        for (size_t b = a; b > 0 && ex->probs[order[b]] > ex->probs[order[b - 1]]; b--)
          {
            size_t t = order[b];

            order[b] = order[b - 1];
            order[b - 1] = t;
          }
      g_string_append (s, "  - src: ");
      append_yaml_string (s, ex->file);
      title = g_strdup_printf ("test image %zu, a %s", ex->index,
                               ex->label < model->n_classes ? model->class_names[ex->label] : "?");
      g_string_append (s, "\n    example_title: ");
      append_yaml_string (s, title);
      g_string_append (s, "\n    output:\n");
      for (size_t r = 0; r < MIN (3, ex->n_classes); r++)
        {
          g_string_append (s, "      - label: ");
          append_yaml_string (s, order[r] < model->n_classes ? model->class_names[order[r]] : "");
          g_string_append (s, "\n        score: ");
          append_yaml_number (s, "%.4f", ex->probs[order[r]]);
          g_string_append_c (s, '\n');
        }
    }
}

/* "1 h 02 min", "4 min 05 s", "12.3 s" */
static void
append_duration (GString *s,
                 double   seconds)
{
  if (seconds >= 3600)
    g_string_append_printf (s, "%d h %02d min", (int) (seconds / 3600),
                            (int) fmod (seconds / 60, 60));
  else if (seconds >= 60)
    g_string_append_printf (s, "%d min %02d s", (int) (seconds / 60), (int) fmod (seconds, 60));
  else
    {
      append_number (s, "%.1f", seconds);
      g_string_append (s, " s");
    }
}

static gboolean
is_digits (const NnModel *model)
{
  return g_strcmp0 (model->dataset, "mnist") == 0;
}

/* What the model is for and what it is not, and how a picture must be prepared. */
static void
append_uses (GString       *s,
             const NnModel *model)
{
  g_string_append (s, "## Intended uses and limitations\n\n");
  if (is_digits (model))
    g_string_append (s,
      "**Intended use:** recognising one handwritten digit (0–9) per image, for teaching, "
      "demonstrations and experiments with small networks.\n\n"
      "**Limitations:**\n\n"
      "- Digits only: a letter, a symbol or a blank image still gets one of the ten classes, "
      "often with high confidence. There is no \"none of these\" output.\n"
      "- One digit per image, as a 28×28 grayscale picture with a white digit on black, "
      "centred the MNIST way (below). Uncentred, rotated by more than a few degrees, very thick "
      "or very thin strokes lower the accuracy well below the test figure.\n"
      "- MNIST holds digits written by American Census Bureau employees and high-school "
      "students in the 1990s: other handwriting styles (a crossed 7, an open 4) are rarer in "
      "it and recognised less well.\n"
      "- Not for reading numbers where mistakes matter (cheques, forms, postcodes) without a "
      "human check.\n\n");
  else
    g_string_append (s,
      "**Intended use:** classifying images like those of its training set, one object per "
      "image, for teaching, demonstrations and experiments with small networks.\n\n"
      "**Limitations:** an image of anything else still gets one of the classes, often with "
      "high confidence; inputs must be prepared as the training images were (size, "
      "polarity, centring).\n\n");
  if (!is_digits (model))
    return;
  g_string_append (s,
    "### Preparing real drawings\n\n"
    "The network saw white-on-black digits prepared the way MNIST prepared its scans: the ink's bounding "
    "box scaled to fit 20×20 pixels keeping its aspect ratio, then placed in a 28×28 image so "
    "that the ink's centre of mass sits at the centre. Do the same with a photo or a drawing "
    "(Digit Lab's app and `digit-lab-cli predict` do it for you):\n\n"
    "```python\nimport numpy as np\nfrom PIL import Image\n\n\n"
    "def prepare(path):\n"
    "    \"\"\"One digit in a picture -> (28, 28) float32 in [0, 1], white ink on black.\"\"\"\n"
    "    ink = np.asarray(Image.open(path).convert(\"L\"), dtype=np.float32) / 255\n"
    "    if np.median(ink) > 0.5:  # dark ink on light paper\n"
    "        ink = 1 - ink\n"
    "    ys, xs = np.nonzero(ink > 0.2)\n"
    "    if len(xs) == 0:\n"
    "        raise ValueError(\"no ink in \" + path)\n"
    "    ink = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]\n"
    "    h, w = ink.shape\n"
    "    scale = 20 / max(h, w)  # the longer side becomes 20 pixels\n"
    "    size = (max(1, round(w * scale)), max(1, round(h * scale)))\n"
    "    box = np.asarray(Image.fromarray(ink, mode=\"F\").resize(size, Image.BOX))\n"
    "    # the centre of mass, in pixel coordinates of the box\n"
    "    total = box.sum()\n"
    "    cy = (box.sum(axis=1) * (np.arange(box.shape[0]) + 0.5)).sum() / total\n"
    "    cx = (box.sum(axis=0) * (np.arange(box.shape[1]) + 0.5)).sum() / total\n"
    "    top = int(np.clip(round(14 - cy), 0, 28 - box.shape[0]))\n"
    "    left = int(np.clip(round(14 - cx), 0, 28 - box.shape[1]))\n"
    "    out = np.zeros((28, 28), np.float32)\n"
    "    out[top:top + box.shape[0], left:left + box.shape[1]] = box\n"
    "    return np.clip(out, 0, 1)\n"
    "```\n\n");
}

static void
append_citation (GString       *s,
                 const NnModel *model)
{
  g_string_append (s, "## Citation\n\n");
  if (g_strcmp0 (model->dataset, "fashion-mnist") == 0)
    g_string_append (s,
      "If you use this model, cite the Fashion-MNIST dataset:\n\n```bibtex\n"
      "@online{xiao2017fashionmnist,\n"
      "  author       = {Han Xiao and Kashif Rasul and Roland Vollgraf},\n"
      "  title        = {Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning "
      "Algorithms},\n"
      "  date         = {2017-08-28},\n"
      "  year         = {2017},\n"
      "  eprintclass  = {cs.LG},\n"
      "  eprinttype   = {arXiv},\n"
      "  eprint       = {cs.LG/1708.07747},\n"
      "}\n```\n");
  else if (is_digits (model))
    g_string_append (s,
      "If you use this model, cite the MNIST database:\n\n```bibtex\n"
      "@article{lecun1998gradient,\n"
      "  author  = {LeCun, Yann and Bottou, L{\\'e}on and Bengio, Yoshua and Haffner, Patrick},\n"
      "  title   = {Gradient-Based Learning Applied to Document Recognition},\n"
      "  journal = {Proceedings of the IEEE},\n"
      "  volume  = {86},\n"
      "  number  = {11},\n"
      "  pages   = {2278--2324},\n"
      "  year    = {1998},\n"
      "  doi     = {10.1109/5.726791}\n"
      "}\n```\n");
  else
    g_string_append (s, "Cite the dataset the model was trained on, as its authors ask.\n");
}

char *
nn_export_model_card (const NnModel      *model,
                      const NnEvaluation *ev,
                      GPtrArray          *examples)
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

  /* front matter: the Hub reads license, datasets, metrics and model-index; library_name says
   * the weights load in PyTorch (train.py's builder), not through transformers */
  g_string_append_printf (s, "license: %s\nlibrary_name: pytorch\npipeline_tag: image-classification\n"
                          "tags:\n  - image-classification\n  - digit-lab\n  - safetensors\n"
                          "datasets:\n  - ", license);
  append_yaml_string (s, dataset_id (model->dataset));
  g_string_append (s, "\nmetrics:\n  - accuracy\n  - f1\n");
  append_widget (s, model, examples);
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
  g_string_append (s, ").");
  if (t->known && t->extras.train_on_all)
    g_string_append_printf (s, " It was trained on all %u training images, the validation split "
                            "included, for %u epochs, a number chosen on the validation split by "
                            "an earlier run; there is no held-out validation figure.",
                            t->n_train, t->epochs);
  g_string_append (s, "\n\n");

  g_string_append (s, "## Model details\n\n- **Model type:** convolutional neural network for "
                      "image classification\n- **Library:** weights in safetensors with tensor "
                      "names of PyTorch; `train.py` builds the network from `config.json`\n"
                      "- **Engine:** ");
  if (t->known && t->engine_version != NULL)
    {
      g_string_append (s, "trained with Digit Lab ");
      append_markdown_text (s, t->engine_version);
      g_string_append (s, ", exported with Digit Lab " PACKAGE_VERSION "\n");
    }
  else
    g_string_append (s, "exported with Digit Lab " PACKAGE_VERSION "\n");
  g_string_append_printf (s, "- **Licence:** %s\n\n", license);

  append_uses (s, model);

  /* the spec is the engine's own text (layer names, integers, dropout in the C locale) */
  g_string_append_printf (s, "## Architecture\n\n`%s`\n\n%zu parameters, float32. Tensor names "
                          "match a PyTorch `nn.Sequential` over the same layers:\n\n"
                          "```python\nnn.Sequential(\n",
                          spec, nn_network_get_n_params (model->net));
  append_pytorch_layers (s, model);
  g_string_append (s, ")\n```\n\n");

  g_string_append (s, "## Training recipe\n\n");
  if (t->known)
    {
      g_string_append (s, "| setting | value |\n|---|---|\n| optimiser | ");
      append_markdown_text (s, t->optimizer);
      g_string_append (s, ", learning rate ");
      append_number (s, "%g", t->learning_rate);
      if (g_strcmp0 (t->optimizer, "sgd") == 0)
        {
          g_string_append (s, ", momentum ");
          append_number (s, "%g", t->momentum);
        }
      if (t->weight_decay > 0)
        {
          g_string_append (s, ", weight decay ");
          append_number (s, "%g", t->weight_decay);
        }
      append_schedule (s, &t->extras);
      g_string_append_printf (s, " |\n| batch size | %u |\n", t->batch_size);
      if (t->extras.train_on_all)
        g_string_append_printf (s, "| epochs | %u, a number chosen on the validation split by an "
                                "earlier run; trained on all %u images for them, the last epoch "
                                "(%u) kept |\n", t->epochs, t->n_train, t->best_epoch);
      else
        g_string_append_printf (s, "| epochs | %u (best epoch by validation accuracy: %u) |\n",
                                t->epochs, t->best_epoch);
      g_string_append (s, "| augmentation | random rotation ±");
      append_number (s, "%g", t->rotation_degrees);
      g_string_append (s, "°");
      append_augmentation (s, &t->extras);
      if (t->extras.label_smoothing > 0)
        {
          g_string_append (s, "; label smoothing ");
          append_number (s, "%g", t->extras.label_smoothing);
        }
      g_string_append (s, " on training images only |\n");
      if (t->extras.train_on_all)
        g_string_append_printf (s, "| validation | none held out: the %u validation images "
                                "(seed %" G_GUINT64_FORMAT ") were trained on too, so there is "
                                "no held-out validation figure |\n", t->validation_size, t->seed);
      else
        g_string_append_printf (s, "| validation | %u images held out of the training set, seed %"
                                G_GUINT64_FORMAT " |\n", t->validation_size, t->seed);
      g_string_append_printf (s, "| training images | %u |\n", t->n_train);
      if (isfinite (t->best_val_accuracy))
        {
          g_string_append (s, "| validation accuracy | ");
          append_number (s, "%.2f", 100 * t->best_val_accuracy);
          g_string_append_printf (s, "%% at epoch %u |\n", t->best_epoch);
        }
      if (isfinite (t->seconds))
        {
          g_string_append (s, "| training time | ");
          append_duration (s, t->seconds);
          g_string_append (s, " (evaluation excluded) |\n");
        }
      if (t->hardware != NULL)
        {
          g_string_append (s, "| hardware | ");
          append_markdown_text (s, t->hardware);
          if (t->n_threads > 0)
            g_string_append_printf (s, ", %u thread%s", t->n_threads, t->n_threads == 1 ? "" : "s");
          g_string_append (s, ", no GPU |\n");
        }
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
  if (examples != NULL && examples->len > 0)
    g_string_append (s, "The widget's examples are test images (the `example-*.png` files "
                        "beside this card); their outputs are the probabilities this model "
                        "gave them when it was exported.\n\n");

  g_string_append (s, "## Use with PyTorch\n\n`train.py` (beside this card) builds the network "
                      "from `config.json`, batch normalisation included, and loads the weights "
                      "without the `safetensors` package if it is missing:\n\n```python\n"
                      "import torch\nimport train\n\n"
                      "model, config = train.load_model(\".\")  # eval mode\n"
                      "class_names = [");
  for (size_t k = 0; k < model->n_classes; k++)
    {
      if (k > 0)
        g_string_append (s, ", ");
      append_python_string (s, model->class_names[k]);
    }
  g_string_append_printf (s, "]\n\n# image: a (%zu, %zu) float tensor in [0, 1], "
                          "white digit on black, e.g. torch.from_numpy(prepare(\"digit.png\"))\n"
                          "x = ((image - ", model->H, model->W);
  append_number (s, "%.6g", model->norm.mean);
  g_string_append (s, ") / ");
  append_number (s, "%.6g", model->norm.std);
  g_string_append_printf (s, ").reshape(1, %zu, %zu, %zu)\n"
                          "with torch.no_grad():\n"
                          "    probabilities = model(x).softmax(dim=1)\n"
                          "print(class_names[probabilities.argmax()])\n```\n\n"
                          "To train the same recipe on more machines: `torchrun "
                          "--nproc_per_node=4 train.py --data MNIST_FOLDER --output OUT` (see "
                          "`python3 train.py --help`).\n\n",
                          model->C, model->H, model->W);
  g_string_append (s, "## Data and licence\n\n");
  if (g_strcmp0 (model->dataset, "fashion-mnist") == 0)
    g_string_append (s, "Trained on Fashion-MNIST by Zalando Research (MIT licence).\n\n");
  else
    g_string_append (s, "Trained on MNIST by Yann LeCun and Corinna Cortes, licensed CC BY-SA 3.0; "
                        "these weights are shared under the same licence.\n\n");
  append_citation (s, model);
  return g_string_free (s, FALSE);
}

gboolean
nn_export_hugging_face (const NnModel      *model,
                        const NnEvaluation *ev,
                        const NnImageSet   *test,
                        const char         *dir,
                        GError            **error)
{
  g_autoptr(GPtrArray) examples = NULL;
  g_autofree char *card = NULL;
  g_autofree char *card_path = NULL;
  g_autofree char *script_path = NULL;

  g_return_val_if_fail (model != NULL && ev != NULL && dir != NULL, FALSE);

  if (test != NULL && model->C == 1 && test->rows == model->H && test->cols == model->W)
    {
      examples = nn_export_predict_examples (model, test, 3, error);
      if (examples == NULL)
        return FALSE;
    }
  if (!nn_model_save (model, dir, error))
    return FALSE;
  for (guint e = 0; examples != NULL && e < examples->len; e++)
    {
      const NnExportExample *ex = examples->pdata[e];
      g_autofree char *path = g_build_filename (dir, ex->file, NULL);
      size_t n = test->rows * test->cols;

      if (!nn_png_save_gray (path, test->pixels + ex->index * n, test->cols, test->rows,
                             test->cols, error))
        return FALSE;
    }
  script_path = g_build_filename (dir, NN_EXPORT_TRAIN_SCRIPT, NULL);
  if (!g_file_set_contents_full (script_path, nn_export_train_script, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0755, error))
    return FALSE;
  card = nn_export_model_card (model, ev, examples);
  card_path = g_build_filename (dir, "README.md", NULL);
  return g_file_set_contents_full (card_path, card, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                   error);
}
