/* test-export.c: the model card reads the same in every locale, and names from a model file
 * cannot add YAML keys, table rows, HTML or Python code to it */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <locale.h>
#include <string.h>
#include <glib/gstdio.h>

#include "nn-export.h"
#include "nn-json.h"
#include "nn-rng.h"

static const char *const digits[] = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL };

static NnModel *
make_model (const char        *dataset,
            const char *const *names,
            const char        *optimizer)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse ("flatten dropout(0.25) dense(10)", &error);
  NnNormalisation norm = { 0.1306547939f, 0.3080950975f };
  NnModel *model;
  NnRng rng;

  g_assert_no_error (error);
  model = nn_model_new (spec, 1, 28, 28, NULL, &norm, dataset, names, 1, &error);
  g_assert_no_error (error);
  nn_rng_init (&rng, 9);
  nn_network_init_params (model->net, &rng);
  model->training = (NnModelTraining) { .known = TRUE, .epochs = 3, .best_epoch = 2,
                                        .batch_size = 64, .optimizer = g_strdup (optimizer),
                                        .learning_rate = 1.5e-3, .rotation_degrees = 7.5,
                                        .validation_size = 5000, .seed = 7, .n_train = 55000 };
  return model;
}

/* 7 of 8 right, one sample per class 0 … 7 */
static NnEvaluation *
make_evaluation (void)
{
  float probs[8 * 10] = { 0 };
  guint8 labels[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

  for (int i = 0; i < 8; i++)
    probs[i * 10 + (i == 7 ? 1 : i)] = 1.0f;
  return nn_evaluation_new (probs, labels, 8, 10);
}

static gboolean
use_locale (const char *name)
{
  if (setlocale (LC_ALL, name) != NULL)
    return TRUE;
  /* scripts/deps.sh generates them; CI must not skip */
  if (g_getenv ("CI") != NULL)
    g_error ("locale %s is missing (scripts/deps.sh generates it)", name);
  g_test_skip ("the de_DE and sv_SE locales are not generated (scripts/deps.sh)");
  return FALSE;
}

static void
test_export_locale (void)
{
  g_autoptr(NnModel) model = make_model ("mnist", digits, "adam");
  g_autoptr(NnEvaluation) ev = make_evaluation ();
  g_autofree char *saved = g_strdup (setlocale (LC_ALL, NULL));
  g_autofree char *c_card = nn_export_model_card (model, ev, NULL);
  g_autofree char *c_config = nn_model_config_to_json (model);
  const char *const locales[] = { "de_DE.UTF-8", "sv_SE.UTF-8" };

  g_assert_nonnull (strstr (c_card, "value: 0.8750\n"));
  g_assert_nonnull (strstr (c_card, "**87.50% accuracy**"));
  g_assert_nonnull (strstr (c_card, "(image - 0.130655) / 0.308095)"));
  g_assert_nonnull (strstr (c_card, "learning rate 0.0015 |"));
  g_assert_nonnull (strstr (c_card, "rotation ±7.5°"));
  g_assert_nonnull (strstr (c_card, "nn.Dropout(0.25),"));
  g_assert_nonnull (strstr (c_card, "class_names = [\"0\", \"1\", "));
  for (size_t i = 0; i < G_N_ELEMENTS (locales); i++)
    {
      g_autofree char *card = NULL;
      g_autofree char *config = NULL;

      if (!use_locale (locales[i]))
        break;
      card = nn_export_model_card (model, ev, NULL);
      config = nn_model_config_to_json (model);
      setlocale (LC_ALL, saved);
      g_assert_cmpstr (card, ==, c_card);
      g_assert_cmpstr (config, ==, c_config);
    }
  setlocale (LC_ALL, saved);
}

/* The card's lines between the opening and closing "---" */
static char **
front_matter (const char *card)
{
  const char *end;

  g_assert_true (g_str_has_prefix (card, "---\n"));
  end = strstr (card + 4, "\n---\n");
  g_assert_nonnull (end);
  {
    g_autofree char *yaml = g_strndup (card + 4, end - (card + 4));

    return g_strsplit (yaml, "\n", -1);
  }
}

/* Unescaped | in a markdown line: a row of the results table has six */
static guint
count_cell_bars (const char *line)
{
  guint n = 0;

  for (const char *p = line; *p != '\0'; p++)
    {
      if (*p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '|')
        n++;
    }
  return n;
}

/* With python3 and PyYAML at hand: the front matter is a mapping with exactly the Hub's keys and
 * the hostile names come back intact, and the PyTorch snippet's class_names is a list literal of
 * the same names. */
static void
check_with_python (const char *card,
                   const char *dataset,
                   const char *const *names)
{
  const char *script =
    "import ast, json, sys, yaml\n"
    "card = open(sys.argv[1], encoding='utf-8').read()\n"
    "want = json.load(open(sys.argv[2], encoding='utf-8'))\n"
    "front = yaml.safe_load(card.split('\\n---\\n')[0][4:])\n"
    "assert sorted(front) == ['datasets', 'library_name', 'license', 'metrics', 'model-index', "
    "'pipeline_tag', 'tags'], sorted(front)\n"
    "assert front['license'] == 'cc-by-sa-3.0' and len(front['tags']) == 3, front\n"
    "assert front['datasets'] == [want['dataset']], (front['datasets'], want['dataset'])\n"
    "line = [l for l in card.split('\\n') if l.startswith('class_names = ')]\n"
    "assert len(line) == 1, line\n"
    "assert ast.literal_eval(line[0][len('class_names = '):]) == want['names']\n"
    "code = card.split('```python\\n')[1].split('```')[0]\n"
    "compile(code, 'card', 'exec')\n";
  g_autofree char *python = g_find_program_in_path ("python3");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *card_path = NULL;
  g_autofree char *want_path = NULL;
  g_autofree char *err = NULL;
  GString *want = g_string_new ("{\"dataset\": ");
  int status;

  if (python == NULL || !g_spawn_command_line_sync ("python3 -c 'import yaml'", NULL, NULL,
                                                    &status, NULL) || status != 0)
    {
      g_test_message ("python3 with PyYAML is missing: the card's YAML is not parsed");
      g_string_free (want, TRUE);
      return;
    }
  dir = g_dir_make_tmp ("digit-lab-export-XXXXXX", &error);
  g_assert_no_error (error);
  card_path = g_build_filename (dir, "README.md", NULL);
  want_path = g_build_filename (dir, "want.json", NULL);
  nn_json_append_string (want, dataset);
  g_string_append (want, ", \"names\": [");
  for (size_t i = 0; names[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append (want, ", ");
      nn_json_append_string (want, names[i]);
    }
  g_string_append (want, "]}");
  g_assert_true (g_file_set_contents (card_path, card, -1, NULL));
  g_assert_true (g_file_set_contents (want_path, want->str, -1, NULL));
  g_string_free (want, TRUE);
  {
    const char *argv[] = { python, "-c", script, card_path, want_path, NULL };

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, &err, &status, &error));
  }
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("the card does not parse as intended:\n%s", err);
  g_remove (card_path);
  g_remove (want_path);
  g_rmdir (dir);
}

static void
test_export_hostile_names (void)
{
  g_autofree char *long_name = g_strnfill (256, 'x');   /* the most a model may hold */
  const char *dataset = "mnist\"\nlicense: mit\ntags:\n  - pwned\n---\n<script>alert(1)</script>";
  const char *names[] = {
    "0\n| 9 | 1.0 | 1.0 | 1.0 | 999 |",      /* a made-up row */
    "a|b|c",
    "<img src=x onerror=alert(1)>",
    "`code` and ``` fence",
    "back\\slash \"quoted\" 'single'",
    "---",
    "ctl\x01\x07\x1b[31m\x7f end",
    "\xc2\x85nel \xe2\x80\xa8ls \xef\xbb\xbf bom",
    "[link](http://example.com) *bold* $x$ # not a heading",
    long_name,
    NULL,
  };
  g_autoptr(NnModel) model = make_model (dataset, names, "adam\n| injected | row |");
  /* a dataset other than MNIST, as the hostile one is: the same sections */
  g_autoptr(NnModel) plain = make_model ("digits", digits, "adam");
  g_autoptr(NnEvaluation) ev = make_evaluation ();
  g_autofree char *card = nn_export_model_card (model, ev, NULL);
  g_autofree char *plain_card = nn_export_model_card (plain, ev, NULL);
  g_auto(GStrv) yaml = front_matter (card);
  g_auto(GStrv) plain_yaml = front_matter (plain_card);
  g_auto(GStrv) lines = g_strsplit (card, "\n", -1);
  g_auto(GStrv) plain_lines = g_strsplit (plain_card, "\n", -1);
  guint rows = 0;

  g_assert_true (g_utf8_validate (card, -1, NULL));
  /* not one line more than with plain names: nothing started a line of its own */
  g_assert_cmpuint (g_strv_length (yaml), ==, g_strv_length (plain_yaml));
  g_assert_cmpuint (g_strv_length (lines), ==, g_strv_length (plain_lines));
  g_assert_nonnull (strstr (card, "\nlicense: cc-by-sa-3.0\n"));
  for (guint i = 0; yaml[i] != NULL; i++)
    {
      g_assert_false (g_str_has_prefix (yaml[i], "license: mit"));
      g_assert_cmpstr (yaml[i], !=, "  - pwned");
      g_assert_null (strchr (yaml[i], '\x01'));
    }
  g_assert_nonnull (strstr (card, "datasets:\n  - \"mnist\\\"\\nlicense: mit\\ntags:\\n  - pwned"));
  /* the body, which the Hub renders as HTML, has no tag in it (the YAML string may) */
  g_assert_null (strstr (strstr (card + 4, "\n---\n"), "<script"));
  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "<img") != NULL)       /* only inside the Python string literal */
      g_assert_true (g_str_has_prefix (lines[i], "class_names = [\"0\\n| 9 |"));
  g_assert_null (strstr (card, "\x1b"));
  g_assert_null (strstr (card, long_name));   /* cut */
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "| ") && !g_str_has_prefix (lines[i], "| setting") &&
        !g_str_has_prefix (lines[i], "| class"))
      {
        guint bars = count_cell_bars (lines[i]);

        g_assert_cmpuint (bars, ==, strstr (lines[i], "| optimiser") == lines[i] ||
                          g_str_has_prefix (lines[i], "| batch") ||
                          g_str_has_prefix (lines[i], "| epochs") ||
                          g_str_has_prefix (lines[i], "| augmentation") ||
                          g_str_has_prefix (lines[i], "| validation") ||
                          g_str_has_prefix (lines[i], "| training") ? 3 : 6);
        rows += bars == 6;
      }
  g_assert_cmpuint (rows, ==, 11);   /* ten classes and the macro average */
  g_assert_nonnull (strstr (card, "| 0 \\| 9 \\| 1.0"));
  g_assert_nonnull (strstr (card, "| &lt;img src=x onerror=alert\\(1\\)&gt; |"));
  g_assert_nonnull (strstr (card, "\\`code\\`"));
  {
    /* names longer than 100 characters are cut with an ellipsis */
    g_autofree char *xs = g_strnfill (99, 'x');
    g_autofree char *cut = g_strconcat (xs, "…", NULL);
    const char *want[G_N_ELEMENTS (names)];

    memcpy (want, names, sizeof names);
    want[9] = cut;
    check_with_python (card, dataset, want);
  }
}

/* Python for the checks below: the system's, which has PyYAML in Debian, else any python3. */
static char *
find_python_with_yaml (void)
{
  const char *const candidates[] = { "/usr/bin/python3", "python3" };

  for (size_t i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *python = g_find_program_in_path (candidates[i]);
      const char *argv[] = { python, "-c", "import yaml", NULL };
      int status;

      if (python != NULL &&
          g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL))
        return g_steal_pointer (&python);
    }
  return NULL;
}

/* The card of a model with a full training record and three widget examples: the front matter
 * parses strictly (no duplicate keys, no tags, only the Hub's keys), the widget's outputs are
 * the engine's own predictions, and every section the Hub's card template asks for is there. */
static void
test_export_card_fields (void)
{
  g_autoptr(NnModel) model = make_model ("mnist", digits, "adam");
  g_autoptr(NnModel) copy = NULL;
  g_autoptr(NnEvaluation) ev = make_evaluation ();
  g_autoptr(GPtrArray) examples = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *card = NULL;
  g_autofree char *python = NULL;
  NnImageSet *images = nn_image_set_new (20, 28, 28);
  GString *want = g_string_new ("[");
  NnRng rng;

  model->training.best_val_accuracy = 0.9913;
  model->training.seconds = 83.4;
  model->training.n_threads = 2;
  model->training.hardware = g_strdup ("Test CPU 3000 (avx2-fma)");
  model->training.engine_version = g_strdup ("9.9.1");
  model->training.weight_decay = 0.05;
  model->training.extras.lr_schedule.kind = NN_LR_SCHEDULE_COSINE;
  model->training.extras.translate = 0.1f;
  model->training.extras.label_smoothing = 0.1f;
  nn_rng_init (&rng, 5);
  for (size_t i = 0; i < images->n_images; i++)
    {
      images->labels[i] = (guint8) ((i + 3) % 10);   /* class 0 first at index 7 */
      for (size_t p = 0; p < 28 * 28; p++)
        images->pixels[i * 28 * 28 + p] = (guint8) nn_rng_below (&rng, 256);
    }
  examples = nn_export_predict_examples (model, images, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (examples->len, ==, 3);
  copy = nn_model_copy (model, 1, &error);
  g_assert_no_error (error);
  for (guint e = 0; e < examples->len; e++)
    {
      NnExportExample *ex = examples->pdata[e];
      float x[28 * 28], probs[10];

      /* the first image of each class in turn, predicted as the engine predicts */
      g_assert_cmpuint (ex->label, ==, e);
      g_assert_cmpuint (ex->index, ==, (e + 7) % 10);
      for (size_t p = 0; p < 28 * 28; p++)
        x[p] = images->pixels[ex->index * 28 * 28 + p] / 255.0f;
      nn_model_predict_image (copy, x, probs);
      g_assert_cmpmem (probs, sizeof probs, ex->probs, sizeof probs);
      g_string_append_printf (want, "%s{\"file\": \"%s\", \"probs\": [", e > 0 ? ", " : "",
                              ex->file);
      for (size_t k = 0; k < 10; k++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (want, "%s%s", k > 0 ? ", " : "",
                                  g_ascii_dtostr (buf, sizeof buf, ex->probs[k]));
        }
      g_string_append (want, "]}");
    }
  g_string_append (want, "]");
  card = nn_export_model_card (model, ev, examples);

  g_assert_nonnull (strstr (card, "\nlibrary_name: pytorch\n"));
  g_assert_nonnull (strstr (card, "## Intended uses and limitations\n"));
  g_assert_nonnull (strstr (card, "Digits only"));
  g_assert_nonnull (strstr (card, "def prepare(path):"));
  g_assert_nonnull (strstr (card, "fit 20×20"));
  g_assert_nonnull (strstr (card, "| validation accuracy | 99.13% at epoch 2 |"));
  g_assert_nonnull (strstr (card, "| training time | 1 min 23 s (evaluation excluded) |"));
  g_assert_nonnull (strstr (card, "| hardware | Test CPU 3000 \\(avx2-fma\\), 2 threads, no GPU |"));
  g_assert_nonnull (strstr (card, "trained with Digit Lab 9.9.1, exported with Digit Lab "));
  g_assert_nonnull (strstr (card, "| optimiser | adam, learning rate 0.0015, weight decay 0.05, "
                                  "cosine schedule down to 0 |"));
  g_assert_nonnull (strstr (card, "| augmentation | random rotation ±7.5°, translation ±10%; "
                                  "label smoothing 0.1 on training images only |"));
  /* SGD's momentum is part of its optimiser line; Adam has none */
  g_assert_null (strstr (card, "momentum"));
  {
    g_autofree char *sgd_card = NULL;
    g_autofree char *adam = model->training.optimizer;

    model->training.optimizer = g_strdup ("sgd");
    model->training.momentum = 0.5;
    sgd_card = nn_export_model_card (model, ev, examples);
    g_assert_nonnull (strstr (sgd_card, "| optimiser | sgd, learning rate 0.0015, momentum 0.5, "
                                        "weight decay 0.05,"));
    g_free (model->training.optimizer);
    model->training.optimizer = g_steal_pointer (&adam);
  }
  g_assert_nonnull (strstr (card, "@article{lecun1998gradient,"));
  g_assert_nonnull (strstr (card, "pages   = {2278--2324},"));
  g_assert_nonnull (strstr (card, "model, config = train.load_model(\".\")"));

  python = find_python_with_yaml ();
  if (python == NULL)
    {
      if (g_getenv ("CI") != NULL)
        g_error ("python3 with PyYAML is missing (scripts/deps.sh installs python3-yaml)");
      g_test_skip ("python3 with PyYAML is missing: the front matter is not parsed");
    }
  else
    {
      const char *script =
        "import json, math, sys, yaml\n"
        "class Strict(yaml.SafeLoader):\n"
        "    pass\n"
        "def mapping(loader, node):\n"
        "    keys = [loader.construct_object(k) for k, _ in node.value]\n"
        "    assert len(keys) == len(set(keys)), 'duplicate keys: %r' % keys\n"
        "    return loader.construct_mapping(node)\n"
        "Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)\n"
        "card = open(sys.argv[1], encoding='utf-8').read()\n"
        "want = json.loads(sys.argv[2])\n"
        "assert card.startswith('---\\n')\n"
        "text = card[4:card.index('\\n---\\n')]\n"
        "assert '!' not in text and '&' not in text and '*' not in text, 'no tags or anchors'\n"
        "front = yaml.load(text, Loader=Strict)\n"
        "assert sorted(front) == ['datasets', 'library_name', 'license', 'metrics', "
        "'model-index', 'pipeline_tag', 'tags', 'widget'], sorted(front)\n"
        "assert front['library_name'] == 'pytorch' and front['pipeline_tag'] == "
        "'image-classification'\n"
        "assert len(front['widget']) == len(want), front['widget']\n"
        "for w, ex in zip(front['widget'], want):\n"
        "    assert sorted(w) == ['example_title', 'output', 'src'], w\n"
        "    assert w['src'] == ex['file'], (w, ex)\n"
        "    top = sorted(range(10), key=lambda k: (-ex['probs'][k], k))[:3]\n"
        "    assert [o['label'] for o in w['output']] == [str(k) for k in top], (w, top)\n"
        "    for o, k in zip(w['output'], top):\n"
        "        assert abs(o['score'] - ex['probs'][k]) <= 0.00005, (o, ex['probs'][k])\n"
        "    assert w['output'][0]['score'] >= w['output'][1]['score'] >= w['output'][2]['score']\n"
        "for block in card.split('```python\\n')[1:]:\n"
        "    compile(block.split('```')[0], 'card', 'exec')\n";
      g_autofree char *dir = g_dir_make_tmp ("digit-lab-card-XXXXXX", &error);
      g_autofree char *path = g_build_filename (dir, "README.md", NULL);
      g_autofree char *err = NULL;
      const char *argv[] = { python, "-c", script, path, want->str, NULL };
      int status;

      g_assert_no_error (error);
      g_assert_true (g_file_set_contents (path, card, -1, NULL));
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                   NULL, NULL, &err, &status, &error));
      g_assert_no_error (error);
      if (!g_spawn_check_wait_status (status, NULL))
        g_error ("the card's front matter is not what it should be:\n%s", err);
      g_remove (path);
      g_rmdir (dir);
    }
  g_string_free (want, TRUE);
  nn_image_set_unref (images);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/export/locale", test_export_locale);
  g_test_add_func ("/engine/export/hostile-names", test_export_hostile_names);
  g_test_add_func ("/engine/export/card-fields", test_export_card_fields);
  return g_test_run ();
}
