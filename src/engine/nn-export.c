/* nn-export.c: the Hugging Face model card, with YAML front matter and a PyTorch example */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "nn-export.h"

#include <math.h>

#include "nn-json.h"

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

/* A YAML scalar in double quotes: JSON string escaping is valid YAML. */
static void
yaml_string (GString    *s,
             const char *text)
{
  nn_json_append_string (s, text);
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
      switch (l->spec.kind)
        {
        case NN_LAYER_CONV2D:
          g_string_append_printf (s, "nn.Conv2d(%zu, %zu, %zu, padding=%zu),", l->in_c, l->out_c,
                                  l->spec.kernel, l->spec.pad);
          break;
        case NN_LAYER_RELU:
          g_string_append (s, "nn.ReLU(),");
          break;
        case NN_LAYER_MAXPOOL:
          g_string_append_printf (s, "nn.MaxPool2d(%zu),", l->spec.pool);
          break;
        case NN_LAYER_FLATTEN:
          g_string_append (s, "nn.Flatten(),");
          break;
        case NN_LAYER_DENSE:
          g_string_append_printf (s, "nn.Linear(%zu, %zu),", l->in_c, l->out_c);
          break;
        case NN_LAYER_DROPOUT:
          g_string_append_printf (s, "nn.Dropout(%.9g),", l->spec.p);
          break;
        default:
          break;
        }
      g_string_append_printf (s, "  # %zu\n", i);
    }
}

char *
nn_export_model_card (const NnModel      *model,
                      const NnEvaluation *ev)
{
  GString *s = g_string_new ("---\n");
  g_autofree char *spec = nn_spec_to_string (nn_network_get_spec (model->net));
  const NnModelTraining *t = &model->training;
  const char *license = g_strcmp0 (model->dataset, "fashion-mnist") == 0 ? "mit" : "cc-by-sa-3.0";

  g_return_val_if_fail (model != NULL && ev != NULL, NULL);

  /* front matter: the Hub reads license, datasets, metrics and model-index */
  g_string_append_printf (s, "license: %s\nlibrary_name: pytorch\npipeline_tag: image-classification\n"
                          "tags:\n  - image-classification\n  - digit-lab\n  - safetensors\n"
                          "datasets:\n  - %s\nmetrics:\n  - accuracy\n  - f1\n", license,
                          dataset_id (model->dataset));
  g_string_append (s, "model-index:\n  - name: ");
  yaml_string (s, "digit-lab-cnn");
  g_string_append (s, "\n    results:\n      - task:\n          type: image-classification\n"
                      "          name: Image Classification\n        dataset:\n          name: ");
  yaml_string (s, dataset_title (model->dataset));
  g_string_append_printf (s, "\n          type: %s\n          split: test\n        metrics:\n"
                          "          - type: accuracy\n            value: %.4f\n"
                          "            name: Test accuracy\n"
                          "          - type: f1\n            value: %.4f\n"
                          "            name: Macro F1\n---\n\n",
                          dataset_id (model->dataset), ev->accuracy, ev->macro_f1);

  g_string_append_printf (s, "# Digit Lab CNN for %s\n\n", dataset_title (model->dataset));
  g_string_append_printf (s, "A small convolutional network trained on the CPU with Digit Lab %s, "
                          "a GNOME app and command-line tool written in C. It classifies %zu×%zu "
                          "grayscale images into %zu classes and reaches **%.2f%% accuracy** on "
                          "the %zu test images (macro F1 %.4f).\n\n", PACKAGE_VERSION, model->H,
                          model->W, model->n_classes, 100 * ev->accuracy, ev->n_samples,
                          ev->macro_f1);

  g_string_append_printf (s, "## Architecture\n\n`%s`\n\n%zu parameters, float32. Tensor names "
                          "match a PyTorch `nn.Sequential` over the same layers (below).\n\n",
                          spec, nn_network_get_n_params (model->net));

  g_string_append (s, "## Training recipe\n\n");
  if (t->known)
    {
      g_string_append_printf (s, "| setting | value |\n|---|---|\n"
                              "| optimiser | %s, learning rate %g |\n| batch size | %u |\n"
                              "| epochs | %u (best epoch by validation accuracy: %u) |\n"
                              "| augmentation | random rotation ±%g° on training images only |\n"
                              "| validation | %u images held out of the training set, seed %"
                              G_GUINT64_FORMAT " |\n| training images | %u |\n",
                              t->optimizer, t->learning_rate, t->batch_size, t->epochs,
                              t->best_epoch, t->rotation_degrees, t->validation_size, t->seed,
                              t->n_train);
    }
  else
    g_string_append (s, "The training settings were not recorded with these weights.\n");
  g_string_append_printf (s, "\nInputs are normalised with the training images' statistics: "
                          "`(pixel / 255 - %.6f) / %.6f`, pixels 0 = background.\n\n",
                          model->norm.mean, model->norm.std);

  g_string_append (s, "## Results on the test set\n\n| class | precision | recall | F1 | support |\n"
                      "|---|---|---|---|---|\n");
  for (size_t k = 0; k < ev->n_classes; k++)
    g_string_append_printf (s, "| %s | %.4f | %.4f | %.4f | %u |\n", model->class_names[k],
                            ev->precision[k], ev->recall[k], ev->f1[k], ev->support[k]);
  g_string_append_printf (s, "| **macro average** | %.4f | %.4f | %.4f | %zu |\n\n",
                          ev->macro_precision, ev->macro_recall, ev->macro_f1, ev->n_samples);
  g_string_append_printf (s, "Accuracy %.4f, mean cross-entropy %.4f, %zu mistakes.\n\n",
                          ev->accuracy, ev->loss, ev->n_mistakes);

  g_string_append (s, "## Use with PyTorch\n\n```python\nimport torch\nfrom torch import nn\n"
                      "from safetensors.torch import load_file\n\nmodel = nn.Sequential(\n");
  append_pytorch_layers (s, model);
  g_string_append_printf (s, ")\nmodel.load_state_dict(load_file(\"model.safetensors\"))\n"
                          "model.eval()\n\n# image: a (%zu, %zu) float tensor in [0, 1], "
                          "white digit on black\nx = ((image - %.6f) / %.6f).reshape(1, %zu, %zu, %zu)\n"
                          "probabilities = model(x).softmax(dim=1)\n```\n\n",
                          model->H, model->W, model->norm.mean, model->norm.std, model->C,
                          model->H, model->W);
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
