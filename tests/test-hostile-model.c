/* test-hostile-model.c: malformed model inputs, each refused with its exact error domain and code
 * (configs, architectures, safetensors headers and bodies, folders, single files, and a
 * folder's config.json against the copy inside its weights) — never a crash or made-up number */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "nn-file.h"
#include "nn-json.h"
#include "nn-model.h"
#include "nn-network.h"
#include "nn-safetensors.h"
#include "nn-spec.h"

/* The error domains a case may expect, as table entries (quarks are not constants). */
typedef enum
{
  D_JSON,
  D_SPEC,
  D_NETWORK,
  D_SAFETENSORS,
  D_MODEL,
  D_FILE,
} Domain;

static GQuark
domain_quark (Domain d)
{
  switch (d)
    {
    case D_JSON: return NN_JSON_ERROR;
    case D_SPEC: return NN_SPEC_ERROR;
    case D_NETWORK: return NN_NETWORK_ERROR;
    case D_SAFETENSORS: return NN_SAFETENSORS_ERROR;
    case D_MODEL: return NN_MODEL_ERROR;
    case D_FILE:
    default: return NN_FILE_ERROR;
    }
}

static guint n_cases;

/* Every case ends here: no model, and exactly the expected error. */
static void
expect_refused (const char *label,
                NnModel    *model,
                GError     *error,
                Domain      domain,
                int         code)
{
  n_cases++;
  if (model != NULL)
    g_error ("case “%s”: a model was loaded", label);
  if (error == NULL)
    g_error ("case “%s”: no error was set", label);
  if (!g_error_matches (error, domain_quark (domain), code))
    g_error ("case “%s”: expected %s %d, got %s %d: %s", label,
             g_quark_to_string (domain_quark (domain)), code,
             g_quark_to_string (error->domain), error->code, error->message);
  g_assert_error (error, domain_quark (domain), code);
  g_assert_cmpuint (strlen (error->message), >, 0);
}

/* ---- the base model: flatten dense(3) on 1×4×4 inputs, classes a, b, c ---- */

#define BASE_SPEC "flatten dense(3)"
#define N_WEIGHT 48    /* (3, 16) */
#define N_BIAS 3

static char *
base_config (void)
{
  static const char *const names[] = { "a", "b", "c", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (BASE_SPEC, &error);
  NnNormalisation norm = { 0.5f, 0.25f };
  g_autoptr(NnModel) model = NULL;

  g_assert_no_error (error);
  model = nn_model_new (spec, 1, 4, 4, NULL, &norm, "toy", names, 1, &error);
  g_assert_no_error (error);
  model->test_accuracy = 0.75;
  model->training = (NnModelTraining) { .known = TRUE, .epochs = 3, .best_epoch = 2,
                                        .batch_size = 8, .optimizer = g_strdup ("sgd"),
                                        .learning_rate = 0.5, .momentum = 0.25,
                                        .rotation_degrees = 0, .validation_size = 4, .seed = 1, .n_train = 20 };
  return nn_model_config_to_json (model);
}

/* A safetensors file: the 8-byte length, the header, then `n_data` bytes of small finite
 * floats, or NaN at float index `poison` when it is not negative. */
static GBytes *
make_safetensors (const char *header,
                  size_t      n_data,
                  gssize      poison)
{
  GByteArray *out = g_byte_array_new ();
  guint64 len = strlen (header);
  guint8 len_bytes[8];

  for (int b = 0; b < 8; b++)
    len_bytes[b] = (guint8) (len >> (8 * b));
  g_byte_array_append (out, len_bytes, 8);
  g_byte_array_append (out, (const guint8 *) header, len);
  for (size_t k = 0; k < n_data / 4; k++)
    {
      float v = (gssize) k == poison ? NAN : (float) k / 64.0f;

      g_byte_array_append (out, (const guint8 *) &v, 4);
    }
  for (size_t k = 0; k < n_data % 4; k++)
    g_byte_array_append (out, (const guint8 *) "", 1);
  return g_byte_array_free_to_bytes (out);
}

#define GOOD_HEADER \
  "{\"1.weight\":{\"dtype\":\"F32\",\"shape\":[3,16],\"data_offsets\":[0,192]}," \
  "\"1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[192,204]}}"

static GBytes *
base_weights (void)
{
  return make_safetensors (GOOD_HEADER, 204, -1);
}

static NnModel *
load_data (const char *config,
           GBytes     *weights,
           GError    **error)
{
  gsize n;
  const guint8 *w = g_bytes_get_data (weights, &n);

  return nn_model_load_from_data (config, strlen (config), w != NULL ? w : (const guint8 *) "",
                                  n, 1, error);
}

/* The base files load: every case below differs from them in one way. */
static void
test_hostile_base_loads (void)
{
  g_autofree char *config = base_config ();
  g_autoptr(GBytes) weights = base_weights ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = load_data (config, weights, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (model->n_classes, ==, 3);
  g_assert_cmpfloat (model->norm.std, ==, 0.25f);
  g_assert_cmpfloat (nn_network_get_params (model->net)[1], ==, 1.0f / 64);
}

/* ---- config.json: one replacement in the base text per case ---- */

typedef struct
{
  const char *label;
  const char *find;       /* NULL: the whole text is `replace` */
  const char *replace;
  Domain      domain;
  int         code;
} ConfigCase;

static const ConfigCase config_cases[] = {
  { "empty text", NULL, "", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "unterminated object", NULL, "{", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "an array", NULL, "[]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "null", NULL, "null", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "a byte order mark", "{", "\xef\xbb\xbf{", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "text after the object", "\n}\n", "\n} {}", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "format_version twice", "\"format_version\": 1,",
    "\"format_version\": 1, \"format_version\": 1,", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "std twice", "\"std\": 0.25", "\"std\": 0.25, \"std\": 0.25", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "class_names twice", "\"class_names\":", "\"class_names\": [], \"class_names\":",
    D_JSON, NN_JSON_ERROR_SYNTAX },
  { "format_version missing", "\"format_version\": 1,", "", D_JSON, NN_JSON_ERROR_MISSING },
  { "format_version a string", "\"format_version\": 1,", "\"format_version\": \"1\",",
    D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "format_version fractional", "\"format_version\": 1,", "\"format_version\": 1.5,",
    D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "format_version 2", "\"format_version\": 1,", "\"format_version\": 2,",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "format_version 2^60", "\"format_version\": 1,", "\"format_version\": 1152921504606846976,",
    D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "another model_type", "\"digit-lab-cnn\"", "\"bert\"", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "architecture missing", "\"architecture\": \"flatten dense(3)\",", "",
    D_JSON, NN_JSON_ERROR_MISSING },
  { "architecture a number", "\"flatten dense(3)\"", "3", D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "architecture empty", "\"flatten dense(3)\"", "\"\"", D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "unknown layer", "\"flatten dense(3)\"", "\"flatten softmax dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_UNKNOWN_LAYER },
  { "value after a keyword", "\"flatten dense(3)\"", "\"conv(pad=1,8,3) flatten dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "keyword twice", "\"flatten dense(3)\"", "\"conv(8,3,pad=1,pad=1) flatten dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "padding twice", "\"flatten dense(3)\"", "\"conv(8,3,1,pad=1) flatten dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "unknown keyword", "\"flatten dense(3)\"", "\"conv(8,3,dilation=2) flatten dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "hexadecimal units", "\"flatten dense(3)\"", "\"flatten dense(0x3)\"",
    D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "nan units", "\"flatten dense(3)\"", "\"flatten dense(nan)\"", D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "huge units", "\"flatten dense(3)\"", "\"flatten dense(1e300)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "negative units", "\"flatten dense(3)\"", "\"flatten dense(-3)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "units past 2^64", "\"flatten dense(3)\"", "\"flatten dense(18446744073709551619)\"",
    D_SPEC, NN_SPEC_ERROR_BAD_ARGUMENT },
  { "junk after a layer", "\"flatten dense(3)\"", "\"flatten dense(3))\"",
    D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "65 layers", "\"flatten dense(3)\"",
    "\"relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu "
    "relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu "
    "relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu relu "
    "relu relu relu relu relu relu relu relu relu flatten dense(3)\"",
    D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "dense before flatten", "\"flatten dense(3)\"", "\"dense(3)\"",
    D_NETWORK, NN_NETWORK_ERROR_BAD_SHAPE },
  { "conv after flatten", "\"flatten dense(3)\"", "\"flatten conv(2,3) dense(3)\"",
    D_NETWORK, NN_NETWORK_ERROR_BAD_SHAPE },
  { "kernel larger than the image", "\"flatten dense(3)\"", "\"conv(2,7) flatten dense(3)\"",
    D_NETWORK, NN_NETWORK_ERROR_BAD_SHAPE },
  { "one class", "\"flatten dense(3)\"", "\"flatten dense(1)\"",
    D_NETWORK, NN_NETWORK_ERROR_BAD_SHAPE },
  { "input_shape missing", "\"input_shape\": [1, 4, 4],", "", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape of two", "[1, 4, 4]", "[4, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape of four", "[1, 4, 4]", "[1, 1, 4, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape zero", "[1, 4, 4]", "[0, 4, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape negative", "[1, 4, 4]", "[1, -4, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape fractional", "[1, 4, 4]", "[1, 4, 4.5]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape 1e300", "[1, 4, 4]", "[1, 1e300, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape past 4096", "[1, 4, 4]", "[1, 4097, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape a string", "[1, 4, 4]", "[\"1\", 4, 4]", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "input_shape an object", "[1, 4, 4]", "{\"c\": 1}", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  /* 4096 × 4096 × 4096: once 826 GB asked of g_malloc */
  { "input of 2^36 values", "[1, 4, 4]", "[4096, 4096, 4096]",
    D_NETWORK, NN_NETWORK_ERROR_TOO_LARGE },
  { "2^32 parameters", "\"flatten dense(3)\"", "\"flatten dense(65536) dense(65536) dense(3)\"",
    D_NETWORK, NN_NETWORK_ERROR_TOO_LARGE },
  { "normalization missing", "\"normalization\": {\"mean\": 0.5, \"std\": 0.25},", "",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "normalization a list", "{\"mean\": 0.5, \"std\": 0.25}", "[0.5, 0.25]",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std missing", ", \"std\": 0.25", "", D_JSON, NN_JSON_ERROR_MISSING },
  { "std null", "\"std\": 0.25", "\"std\": null", D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "std a string", "\"std\": 0.25", "\"std\": \"0.25\"", D_JSON, NN_JSON_ERROR_WRONG_TYPE },
  { "std 1e300", "\"std\": 0.25", "\"std\": 1e300", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std 1e-45", "\"std\": 0.25", "\"std\": 1e-45", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std 0", "\"std\": 0.25", "\"std\": 0", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std negative", "\"std\": 0.25", "\"std\": -0.25", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std 2", "\"std\": 0.25", "\"std\": 2", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "std 1e999", "\"std\": 0.25", "\"std\": 1e999", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "std NaN", "\"std\": 0.25", "\"std\": NaN", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "mean negative", "\"mean\": 0.5", "\"mean\": -0.1", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "mean above one", "\"mean\": 0.5", "\"mean\": 1.5", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "mean -1e308", "\"mean\": 0.5", "\"mean\": -1e308", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "mean Infinity", "\"mean\": 0.5", "\"mean\": Infinity", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "class_names missing", "\"class_names\": [\"a\", \"b\", \"c\"],", "",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "class_names a string", "[\"a\", \"b\", \"c\"]", "\"abc\"", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "two class names against num_classes", "[\"a\", \"b\", \"c\"]", "[\"a\", \"b\"]",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "two class names for three outputs", "\"num_classes\": 3,\n  \"class_names\": [\"a\", \"b\", \"c\"]",
    "\"class_names\": [\"a\", \"b\"]", D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "four class names for three outputs", "\"num_classes\": 3,\n  \"class_names\": [\"a\", \"b\", \"c\"]",
    "\"class_names\": [\"a\", \"b\", \"c\", \"d\"]", D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "a class named twice", "[\"a\", \"b\", \"c\"]", "[\"a\", \"b\", \"a\"]",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "an empty class name", "[\"a\", \"b\", \"c\"]", "[\"a\", \"\", \"c\"]",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "a class name that is a number", "[\"a\", \"b\", \"c\"]", "[\"a\", 2, \"c\"]",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "a class name of invalid UTF-8", "[\"a\", \"b\", \"c\"]", "[\"a\", \"\xc3\", \"c\"]",
    D_JSON, NN_JSON_ERROR_SYNTAX },
  { "a class name with a raw newline", "[\"a\", \"b\", \"c\"]", "[\"a\", \"b\nb\", \"c\"]",
    D_JSON, NN_JSON_ERROR_SYNTAX },
  { "num_classes wrong", "\"num_classes\": 3", "\"num_classes\": 5", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "num_classes a string", "\"num_classes\": 3", "\"num_classes\": \"3\"", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "dataset a number", "\"dataset\": \"toy\"", "\"dataset\": 7", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "test_accuracy 1.5", "\"test_accuracy\": 0.75", "\"test_accuracy\": 1.5",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "test_accuracy negative", "\"test_accuracy\": 0.75", "\"test_accuracy\": -0.5",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "test_accuracy a string", "\"test_accuracy\": 0.75", "\"test_accuracy\": \"75%\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "training a string", "\"training\": {", "\"training\": \"yes\", \"t\": {",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "negative epochs", "\"epochs\": 3", "\"epochs\": -3", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "epochs past 2^32", "\"epochs\": 3", "\"epochs\": 1e10", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "best epoch after the last", "\"best_epoch\": 2", "\"best_epoch\": 9", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "negative learning rate", "\"learning_rate\": 0.5", "\"learning_rate\": -0.5", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "rotation of 1e9 degrees", "\"rotation_degrees\": 0", "\"rotation_degrees\": 1e9", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
  { "translate a string", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"translate\": \"x\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "translate 0.9", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"translate\": 0.9",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "elastic sigma 0", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"elastic_alpha\": 34, \"elastic_sigma\": 0",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "an unknown schedule", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_schedule\": \"linear\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "a schedule that is a number", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_schedule\": 2",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "fractional step epochs", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_step_epochs\": 1.5",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "zero step epochs", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_step_epochs\": 0",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "gamma above one", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_gamma\": 2",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "label smoothing 0.7", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"label_smoothing\": 0.7",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "train_on_all a string", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"train_on_all\": \"yes\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "negative weight decay", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"weight_decay\": -1",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "weight decay a string", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"weight_decay\": \"0.1\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "momentum 1", "\"momentum\": 0.25", "\"momentum\": 1",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "momentum a string", "\"momentum\": 0.25", "\"momentum\": \"0.5\"",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "pct_start 1e300", "\"rotation_degrees\": 0", "\"rotation_degrees\": 0, \"lr_pct_start\": 1e300",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "epochs twice", "\"epochs\": 3", "\"epochs\": 3, \"epochs\": 4", D_JSON,
    NN_JSON_ERROR_SYNTAX },
  { "nesting 100 deep", "\"dataset\"",
    "\"x\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
    "]]]]]]]]]]]]]]]]]]]], \"dataset\"", D_JSON, NN_JSON_ERROR_TOO_DEEP },
  { "a lone surrogate", "\"dataset\": \"toy\"", "\"dataset\": \"\\ud800\"", D_JSON,
    NN_JSON_ERROR_SYNTAX },
  { "a NUL escape", "\"dataset\": \"toy\"", "\"dataset\": \"t\\u0000y\"", D_JSON,
    NN_JSON_ERROR_SYNTAX },
  { "a trailing comma", "\n}\n", ",\n}\n", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "layers of another architecture", "\"out_features\": 3", "\"out_features\": 4",
    D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "layers not a list", "\"layers\": [", "\"layers\": 1, \"x\": [", D_MODEL,
    NN_MODEL_ERROR_BAD_CONFIG },
};

static void
test_hostile_configs (void)
{
  g_autofree char *base = base_config ();
  g_autoptr(GBytes) weights = base_weights ();

  for (size_t i = 0; i < G_N_ELEMENTS (config_cases); i++)
    {
      const ConfigCase *c = &config_cases[i];
      g_autoptr(GString) text = g_string_new (c->find != NULL ? base : c->replace);
      g_autoptr(GError) error = NULL;
      g_autoptr(NnModel) model = NULL;

      if (c->find != NULL && g_string_replace (text, c->find, c->replace, 1) != 1)
        g_error ("case “%s”: “%s” is not in the base configuration", c->label, c->find);
      model = load_data (text->str, weights, &error);
      expect_refused (c->label, model, error, c->domain, c->code);
    }

  /* a configuration above the 1 MiB cap, in the file and passed as data */
  {
    g_autoptr(GString) big = g_string_new (base);
    g_autoptr(GError) error = NULL;
    g_autoptr(NnModel) model = NULL;

    g_autofree char *spaces = g_strnfill (NN_FILE_MAX_CONFIG, ' ');

    g_string_insert (big, 1, spaces);
    model = load_data (big->str, weights, &error);
    expect_refused ("a configuration over 1 MiB", model, error, D_MODEL,
                    NN_MODEL_ERROR_BAD_CONFIG);
  }
}

/* ---- model.safetensors: the base configuration with weights that are wrong one way ---- */

typedef struct
{
  const char *label;
  const char *header;     /* NULL: `n_data` raw bytes only, no length prefix */
  size_t      n_data;
  gssize      poison;     /* a float index made NaN, or -1 */
  Domain      domain;
  int         code;
} WeightsCase;

#define W_ENTRY(shape, offsets) "{\"dtype\":\"F32\",\"shape\":" shape ",\"data_offsets\":" offsets "}"
#define BIAS_OK "\"1.bias\":" W_ENTRY ("[3]", "[192,204]")
#define WEIGHT_OK "\"1.weight\":" W_ENTRY ("[3,16]", "[0,192]")

static const WeightsCase weights_cases[] = {
  { "no bytes at all", NULL, 0, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_TRUNCATED },
  { "seven bytes", NULL, 7, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_TRUNCATED },
  { "header not JSON", "{\"1.weight\":", 204, -1, D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "header an array", "[1,2]", 204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "a tensor named twice", "{" WEIGHT_OK "," BIAS_OK "," WEIGHT_OK "}", 204, -1,
    D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "a tensor that is a number", "{\"1.weight\":5," BIAS_OK "}", 204, -1, D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "dtype F16", "{\"1.weight\":{\"dtype\":\"F16\",\"shape\":[3,16],\"data_offsets\":[0,96]},"
    "\"1.bias\":" W_ENTRY ("[3]", "[96,108]") "}", 108, -1, D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_UNSUPPORTED },
  { "dtype missing", "{\"1.weight\":{\"shape\":[3,16],\"data_offsets\":[0,192]}," BIAS_OK "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "a negative dimension", "{\"1.weight\":" W_ENTRY ("[-3,16]", "[0,192]") "," BIAS_OK "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "a fractional dimension", "{\"1.weight\":" W_ENTRY ("[3.5,16]", "[0,192]") "," BIAS_OK "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "nine dimensions", "{\"1.weight\":" W_ENTRY ("[3,16,1,1,1,1,1,1,1]", "[0,192]") ","
    BIAS_OK "}", 204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "a shape whose size overflows", "{\"1.weight\":"
    W_ENTRY ("[4294967296,4294967296,16]", "[0,192]") "," BIAS_OK "}", 204, -1, D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_SHAPE },
  { "2^40 values in 192 bytes", "{\"1.weight\":" W_ENTRY ("[1099511627776]", "[0,192]") ","
    BIAS_OK "}", 204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "offsets reversed", "{\"1.weight\":" W_ENTRY ("[3,16]", "[192,0]") "," BIAS_OK "}", 204, -1,
    D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_OFFSETS },
  { "one offset", "{\"1.weight\":" W_ENTRY ("[3,16]", "[0]") "," BIAS_OK "}", 204, -1,
    D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_OFFSETS },
  { "offsets past the end", "{\"1.weight\":" W_ENTRY ("[3,16]", "[0,192]") ",\"1.bias\":"
    W_ENTRY ("[3]", "[192,204]") "}", 200, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_TRUNCATED },
  { "bytes that do not match the shape", "{\"1.weight\":" W_ENTRY ("[3,15]", "[0,192]") ","
    BIAS_OK "}", 204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "overlapping tensors", "{\"1.weight\":" W_ENTRY ("[3,16]", "[0,192]") ",\"1.bias\":"
    W_ENTRY ("[3]", "[180,192]") "}", 192, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_OFFSETS },
  { "a gap between tensors", "{\"1.weight\":" W_ENTRY ("[3,16]", "[0,192]") ",\"1.bias\":"
    W_ENTRY ("[3]", "[196,208]") "}", 208, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_OFFSETS },
  { "bytes after the last tensor", "{" WEIGHT_OK "," BIAS_OK "}", 212, -1, D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_BAD_OFFSETS },
  { "metadata not an object", "{\"__metadata__\":[]," WEIGHT_OK "," BIAS_OK "}", 204, -1,
    D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "metadata holding a number", "{\"__metadata__\":{\"x\":1}," WEIGHT_OK "," BIAS_OK "}", 204,
    -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "metadata key twice", "{\"__metadata__\":{\"x\":\"1\",\"x\":\"2\"}," WEIGHT_OK "," BIAS_OK
    "}", 204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_BAD_HEADER },
  { "the bias missing", "{" WEIGHT_OK "}", 192, -1, D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "the weight missing", "{\"1.bias\":" W_ENTRY ("[3]", "[0,12]") "}", 12, -1, D_MODEL,
    NN_MODEL_ERROR_MISMATCH },
  { "a tensor too many", "{" WEIGHT_OK "," BIAS_OK ",\"2.bias\":" W_ENTRY ("[1]", "[204,208]")
    "}", 208, -1, D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "the weight transposed", "{\"1.weight\":" W_ENTRY ("[16,3]", "[0,192]") "," BIAS_OK "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "the weight flattened", "{\"1.weight\":" W_ENTRY ("[48]", "[0,192]") "," BIAS_OK "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "the bias a matrix", "{" WEIGHT_OK ",\"1.bias\":" W_ENTRY ("[3,1]", "[192,204]") "}",
    204, -1, D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "a NaN weight", "{" WEIGHT_OK "," BIAS_OK "}", 204, 17, D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "a NaN bias", "{" WEIGHT_OK "," BIAS_OK "}", 204, 50, D_MODEL, NN_MODEL_ERROR_MISMATCH },
};

static void
test_hostile_weights (void)
{
  g_autofree char *config = base_config ();

  for (size_t i = 0; i < G_N_ELEMENTS (weights_cases); i++)
    {
      const WeightsCase *c = &weights_cases[i];
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(NnModel) model = NULL;

      if (c->header != NULL)
        bytes = make_safetensors (c->header, c->n_data, c->poison);
      else
        bytes = g_bytes_new_take (g_malloc0 (MAX (c->n_data, 1)), c->n_data);
      model = load_data (config, bytes, &error);
      expect_refused (c->label, model, error, c->domain, c->code);
    }

  /* the length prefix itself: 2^40 bytes of header, and more header than file */
  {
    guint8 huge[16] = { 0, 0, 0, 0, 0, 1, 0, 0, '{', '}' };
    guint8 longer[16] = { 200, 0, 0, 0, 0, 0, 0, 0, '{', '}' };
    g_autoptr(GBytes) a = g_bytes_new (huge, sizeof huge);
    g_autoptr(GBytes) b = g_bytes_new (longer, sizeof longer);
    g_autoptr(GError) error = NULL;
    NnModel *model;

    model = load_data (config, a, &error);
    expect_refused ("a header of 2^40 bytes", model, error, D_SAFETENSORS,
                    NN_SAFETENSORS_ERROR_BAD_HEADER);
    g_clear_error (&error);
    model = load_data (config, b, &error);
    expect_refused ("a header longer than the file", model, error, D_SAFETENSORS,
                    NN_SAFETENSORS_ERROR_TRUNCATED);
    g_clear_error (&error);

    /* weights above the cap are refused on their length, before a byte is read */
    model = nn_model_load_from_data (config, strlen (config), huge,
                                     (size_t) NN_FILE_MAX_WEIGHTS + 1, 1, &error);
    expect_refused ("weights over 1 GiB", model, error, D_MODEL, NN_MODEL_ERROR_IO);
  }
}

/* ---- folders and single files on disk ---- */

static char *
make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("digit-lab-hostile-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf info;

      if (g_lstat (path, &info) == 0 && S_ISDIR (info.st_mode))
        remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

static void
write_file (const char *dir,
            const char *name,
            const void *data,
            gssize      length)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, data, length, NULL));
}

/* A model saved with its configuration inside its weights, as nn_model_save writes it. */
static void
save_base_model (const char *dir)
{
  g_autofree char *config = base_config ();
  g_autoptr(GBytes) weights = base_weights ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = load_data (config, weights, &error);

  g_assert_no_error (error);
  g_assert_true (nn_model_save (model, dir, &error));
  g_assert_no_error (error);
}

/* Weights with this configuration embedded, and nothing else wrong. */
static GBytes *
weights_with_config (const char *config)
{
  float w[N_WEIGHT] = { 0 }, b[N_BIAS] = { 0 };
  NnTensor t[2] = {
    { .name = (char *) "1.weight", .n_dims = 2, .shape = { 3, 16 }, .data = w },
    { .name = (char *) "1.bias", .n_dims = 1, .shape = { 3 }, .data = b },
  };
  const char *meta[] = { NN_MODEL_CONFIG_METADATA, config, NULL };
  g_autoptr(GError) error = NULL;
  GBytes *bytes = nn_safetensors_serialize (t, 2, meta, &error);

  g_assert_no_error (error);
  return bytes;
}

static void
test_hostile_folders (void)
{
  g_autofree char *root = make_tmp_dir ();
  g_autofree char *base = base_config ();
  g_autoptr(GError) error = NULL;
  NnModel *model;

  /* config.json that is not the one inside the weights: other statistics, another
   * architecture the weights would not fit, and an embedded copy that is not JSON */
  {
    g_autofree char *dir = g_build_filename (root, "differs", NULL);
    g_autoptr(GString) other = g_string_new (base);

    save_base_model (dir);
    g_string_replace (other, "\"std\": 0.25", "\"std\": 0.3", 1);
    write_file (dir, "config.json", other->str, -1);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("config.json with other statistics than the weights' copy", model, error,
                    D_MODEL, NN_MODEL_ERROR_MISMATCH);
    g_clear_error (&error);

    g_string_replace (other, "\"std\": 0.3", "\"std\": 0.25", 1);
    g_string_replace (other, "\"class_names\": [\"a\", \"b\", \"c\"]",
                      "\"class_names\": [\"x\", \"y\", \"z\"]", 1);
    write_file (dir, "config.json", other->str, -1);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("config.json with other class names than the weights' copy", model, error,
                    D_MODEL, NN_MODEL_ERROR_MISMATCH);
    g_clear_error (&error);

    write_file (dir, "config.json", base, -1);
    {
      g_autoptr(GBytes) w = weights_with_config ("{\"format_version\": ");
      gsize n;
      const char *data = g_bytes_get_data (w, &n);

      write_file (dir, "model.safetensors", data, (gssize) n);
    }
    model = nn_model_load (dir, 1, &error);
    expect_refused ("an embedded copy that is not JSON", model, error, D_MODEL,
                    NN_MODEL_ERROR_MISMATCH);
    g_clear_error (&error);

    {
      g_autoptr(GString) reordered = g_string_new (base);
      g_autoptr(GBytes) w = NULL;
      gsize n;
      const char *data;

      /* the embedded copy from a model with four inputs per side, beside this config */
      g_string_replace (reordered, "[1, 4, 4]", "[1, 4, 5]", 1);
      w = weights_with_config (reordered->str);
      data = g_bytes_get_data (w, &n);
      write_file (dir, "model.safetensors", data, (gssize) n);
      model = nn_model_load (dir, 1, &error);
      expect_refused ("an embedded copy of another input shape", model, error, D_MODEL,
                      NN_MODEL_ERROR_MISMATCH);
      g_clear_error (&error);
    }
  }

  /* 40,000 extra members, in the opposite order inside the weights: compared in linear time,
   * equal, then differing in the last one */
  {
    g_autofree char *dir = g_build_filename (root, "many", NULL);
    g_autoptr(GString) mine = g_string_new (base);
    g_autoptr(GString) theirs = g_string_new (base);
    g_autoptr(GString) extra = g_string_new (NULL);
    g_autoptr(GBytes) w = NULL;
    NnModel *loaded;
    gint64 start;
    gsize n;
    const char *data;

    g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
    for (int i = 0; i < 40000; i++)
      g_string_append_printf (extra, "\"k%d\": %d, ", i, i);
    g_string_insert (mine, 1, extra->str);
    g_string_truncate (extra, 0);
    for (int i = 39999; i >= 0; i--)
      g_string_append_printf (extra, "\"k%d\": %d, ", i, i);
    g_string_insert (theirs, 1, extra->str);
    w = weights_with_config (theirs->str);
    data = g_bytes_get_data (w, &n);
    write_file (dir, "model.safetensors", data, (gssize) n);
    write_file (dir, "config.json", mine->str, -1);
    start = g_get_monotonic_time ();
    loaded = nn_model_load (dir, 1, &error);
    g_assert_no_error (error);
    g_assert_nonnull (loaded);
    nn_model_free (loaded);
    g_string_replace (mine, "\"k39999\": 39999", "\"k39999\": 1", 1);
    write_file (dir, "config.json", mine->str, -1);
    model = nn_model_load (dir, 1, &error);
    g_test_message ("two configurations of 40,000 members compared twice in %.3f s",
                    (g_get_monotonic_time () - start) / 1e6);
    expect_refused ("the last of 40,000 members differing from the weights' copy", model, error,
                    D_MODEL, NN_MODEL_ERROR_MISMATCH);
    g_assert_nonnull (strstr (error->message, "(“k39999”)"));
    g_clear_error (&error);
  }

  /* files that are not regular files, or too large, in the folder */
  {
    g_autofree char *dir = g_build_filename (root, "special", NULL);
    g_autofree char *config_path = g_build_filename (dir, "config.json", NULL);
    g_autofree char *weights_path = g_build_filename (dir, "model.safetensors", NULL);

    save_base_model (dir);
    g_remove (config_path);
    g_assert_cmpint (g_mkdir (config_path, 0755), ==, 0);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("config.json a folder", model, error, D_FILE, NN_FILE_ERROR_NOT_REGULAR);
    g_clear_error (&error);
    g_rmdir (config_path);

    g_assert_cmpint (mkfifo (config_path, 0600), ==, 0);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("config.json a FIFO", model, error, D_FILE, NN_FILE_ERROR_NOT_REGULAR);
    g_clear_error (&error);
    g_remove (config_path);

    if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
      {
        g_assert_cmpint (symlink ("/dev/zero", config_path), ==, 0);
        model = nn_model_load (dir, 1, &error);
        expect_refused ("config.json a link to /dev/zero", model, error, D_FILE,
                        NN_FILE_ERROR_NOT_REGULAR);
        g_clear_error (&error);
        g_remove (config_path);
      }

    {
      g_autofree char *big = g_strnfill (NN_FILE_MAX_CONFIG + 1, ' ');

      write_file (dir, "config.json", big, -1);
      model = nn_model_load (dir, 1, &error);
      expect_refused ("config.json over 1 MiB", model, error, D_FILE, NN_FILE_ERROR_TOO_LARGE);
      g_clear_error (&error);
    }
    write_file (dir, "config.json", base, -1);

    g_remove (weights_path);
    g_assert_cmpint (mkfifo (weights_path, 0600), ==, 0);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("model.safetensors a FIFO", model, error, D_FILE, NN_FILE_ERROR_NOT_REGULAR);
    g_clear_error (&error);
    g_remove (weights_path);

    model = nn_model_load (dir, 1, &error);
    expect_refused ("model.safetensors missing", model, error, D_MODEL, NN_MODEL_ERROR_IO);
    g_clear_error (&error);

    {
      /* a sparse file one byte over the weights' cap: refused before it is read */
      int fd = open (weights_path, O_WRONLY | O_CREAT, 0644);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (ftruncate (fd, (off_t) NN_FILE_MAX_WEIGHTS + 1), ==, 0);
      close (fd);
      model = nn_model_load (dir, 1, &error);
      expect_refused ("model.safetensors over 1 GiB", model, error, D_FILE,
                      NN_FILE_ERROR_TOO_LARGE);
      g_clear_error (&error);
      g_remove (weights_path);
    }

    g_remove (config_path);
    model = nn_model_load (dir, 1, &error);
    expect_refused ("an empty folder", model, error, D_MODEL, NN_MODEL_ERROR_IO);
    g_clear_error (&error);
  }

  {
    g_autofree char *missing = g_build_filename (root, "missing", NULL);

    model = nn_model_load (missing, 1, &error);
    expect_refused ("a path that does not exist", model, error, D_MODEL, NN_MODEL_ERROR_IO);
    g_clear_error (&error);
  }
  remove_tree (root);
}

/* One .safetensors file that carries its configuration. */
typedef struct
{
  const char *label;
  const char *find;       /* in the base configuration; NULL: no configuration at all */
  const char *replace;
  Domain      domain;
  int         code;
} SingleCase;

static const SingleCase single_cases[] = {
  { "no configuration inside", NULL, NULL, D_MODEL, NN_MODEL_ERROR_IO },
  { "a truncated configuration", "\n}\n", "", D_JSON, NN_JSON_ERROR_SYNTAX },
  { "std 1e300 inside", "\"std\": 0.25", "\"std\": 1e300", D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
  { "an input of 2^36 values inside", "[1, 4, 4]", "[4096, 4096, 4096]", D_NETWORK,
    NN_NETWORK_ERROR_TOO_LARGE },
  { "an architecture the tensors do not fit", "\"flatten dense(3)\"",
    "\"flatten dense(8) relu dense(3)\"", D_SAFETENSORS, NN_SAFETENSORS_ERROR_SHAPE },
  { "a layer the tensors lack", "\"flatten dense(3)\"", "\"flatten dense(3) relu dense(3)\"",
    D_MODEL, NN_MODEL_ERROR_MISMATCH },
  { "another input size than the tensors", "[1, 4, 4]", "[1, 4, 5]", D_SAFETENSORS,
    NN_SAFETENSORS_ERROR_SHAPE },
  { "a value after a keyword inside", "\"flatten dense(3)\"",
    "\"conv(pad=1,2,3) flatten dense(3)\"", D_SPEC, NN_SPEC_ERROR_SYNTAX },
  { "a duplicate key inside", "\"dataset\": \"toy\"", "\"dataset\": \"toy\", \"dataset\": \"x\"",
    D_JSON, NN_JSON_ERROR_SYNTAX },
};

static void
test_hostile_single_files (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "digits.safetensors", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.safetensors", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder.safetensors", NULL);
  g_autofree char *base = base_config ();
  g_autoptr(GError) error = NULL;
  NnModel *model;

  for (size_t i = 0; i < G_N_ELEMENTS (single_cases); i++)
    {
      const SingleCase *c = &single_cases[i];
      g_autoptr(GBytes) bytes = NULL;
      const char *data;
      gsize n;

      if (c->find == NULL)
        bytes = base_weights ();
      else
        {
          g_autoptr(GString) config = g_string_new (base);

          if (g_string_replace (config, c->find, c->replace, 1) != 1)
            g_error ("case “%s”: “%s” is not in the base configuration", c->label, c->find);
          bytes = weights_with_config (config->str);
        }
      data = g_bytes_get_data (bytes, &n);
      write_file (dir, "digits.safetensors", data, (gssize) n);
      model = nn_model_load (path, 1, &error);
      expect_refused (c->label, model, error, c->domain, c->code);
      g_clear_error (&error);
    }

  write_file (dir, "digits.safetensors", "\x10\0\0\0\0\0\0\0not json at all!", 24);
  model = nn_model_load (path, 1, &error);
  expect_refused ("a single file of junk", model, error, D_SAFETENSORS,
                  NN_SAFETENSORS_ERROR_BAD_HEADER);
  g_clear_error (&error);

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  model = nn_model_load (fifo, 1, &error);
  expect_refused ("a FIFO as a single file", model, error, D_FILE, NN_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);

  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      model = nn_model_load ("/dev/zero", 1, &error);
      expect_refused ("/dev/zero as a single file", model, error, D_FILE,
                      NN_FILE_ERROR_NOT_REGULAR);
      g_clear_error (&error);
    }

  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  model = nn_model_load (folder, 1, &error);
  expect_refused ("a folder named like a single file", model, error, D_MODEL,
                  NN_MODEL_ERROR_IO);
  g_clear_error (&error);
  remove_tree (dir);
}

/* ---- models built from values that parse but are nonsense ---- */

static void
test_hostile_new_model (void)
{
  static const char *const names[] = { "a", "b", "c", NULL };
  static const char *const twice[] = { "a", "b", "a", NULL };
  static const struct
  {
    const char *label;
    float       mean, std;
    size_t      C, H, W;
    const char *const *names;
    Domain      domain;
    int         code;
  } cases[] = {
    { "NaN mean", NAN, 0.25f, 1, 4, 4, names, D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
    { "infinite std", 0.5f, INFINITY, 1, 4, 4, names, D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
    { "denormal std", 0.5f, 1e-45f, 1, 4, 4, names, D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
    { "NaN std", 0.5f, NAN, 1, 4, 4, names, D_MODEL, NN_MODEL_ERROR_BAD_CONFIG },
    { "duplicate class names", 0.5f, 0.25f, 1, 4, 4, twice, D_MODEL,
      NN_MODEL_ERROR_BAD_CONFIG },
    { "zero channels", 0.5f, 0.25f, 0, 4, 4, names, D_NETWORK, NN_NETWORK_ERROR_BAD_SHAPE },
    { "a side of 5000", 0.5f, 0.25f, 1, 5000, 4, names, D_NETWORK, NN_NETWORK_ERROR_TOO_LARGE },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(NnSpec) spec = nn_spec_parse (BASE_SPEC, &error);

  g_assert_no_error (error);
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      NnNormalisation norm = { cases[i].mean, cases[i].std };
      NnModel *model = nn_model_new (spec, cases[i].C, cases[i].H, cases[i].W, NULL, &norm, "toy",
                                     cases[i].names, 1, &error);

      expect_refused (cases[i].label, model, error, cases[i].domain, cases[i].code);
      g_clear_error (&error);
    }
}

static void
test_hostile_count (void)
{
  g_test_message ("%u malformed inputs refused with their exact error", n_cases);
  g_assert_cmpuint (n_cases, >=, 80);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/hostile-model/base-loads", test_hostile_base_loads);
  g_test_add_func ("/engine/hostile-model/configs", test_hostile_configs);
  g_test_add_func ("/engine/hostile-model/weights", test_hostile_weights);
  g_test_add_func ("/engine/hostile-model/folders", test_hostile_folders);
  g_test_add_func ("/engine/hostile-model/single-files", test_hostile_single_files);
  g_test_add_func ("/engine/hostile-model/new-model", test_hostile_new_model);
  /* last: the cases counted by the paths above */
  g_test_add_func ("/engine/hostile-model/count", test_hostile_count);
  return g_test_run ();
}
