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
  g_autofree char *c_card = nn_export_model_card (model, ev);
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
      card = nn_export_model_card (model, ev);
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
  g_autoptr(NnModel) plain = make_model ("mnist", digits, "adam");
  g_autoptr(NnEvaluation) ev = make_evaluation ();
  g_autofree char *card = nn_export_model_card (model, ev);
  g_autofree char *plain_card = nn_export_model_card (plain, ev);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/export/locale", test_export_locale);
  g_test_add_func ("/engine/export/hostile-names", test_export_hostile_names);
  return g_test_run ();
}
