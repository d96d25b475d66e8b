/* nn-cpu.c: CPU feature detection and the DIGIT_LAB_GEMM_KERNEL override, in one place */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-cpu.h"

#include <string.h>

#ifdef __linux__
#include <sched.h>
#endif

static const char *const level_names[NN_CPU_N_LEVELS] = {
  [NN_CPU_GENERIC] = "generic",
  [NN_CPU_AVX2] = "avx2-fma",
  [NN_CPU_AVX512] = "avx512",
};

const char *
nn_cpu_level_name (NnCpuLevel level)
{
  g_return_val_if_fail ((guint) level < NN_CPU_N_LEVELS, NULL);
  return level_names[level];
}

gboolean
nn_cpu_runs (NnCpuLevel level)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  switch (level)
    {
    case NN_CPU_AVX512:
      return __builtin_cpu_supports ("avx512f") != 0;
    case NN_CPU_AVX2:
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    default:
      break;
    }
#endif
  return level == NN_CPU_GENERIC;
}

NnCpuLevel
nn_cpu_level (void)
{
  static gsize chosen = 0;

  if (g_once_init_enter (&chosen))
    {
      const char *wanted = g_getenv ("DIGIT_LAB_GEMM_KERNEL");
      int level = -1;

      /* the named level if this CPU runs it, else the best one it runs */
      for (int l = NN_CPU_N_LEVELS - 1; l >= 0 && level < 0; l--)
        if (nn_cpu_runs (l) && (wanted == NULL || g_strcmp0 (wanted, level_names[l]) == 0))
          level = l;
      for (int l = NN_CPU_N_LEVELS - 1; l >= 0 && level < 0; l--)
        if (nn_cpu_runs (l))
          level = l;
      g_once_init_leave (&chosen, (gsize) level + 1);
    }
  return (NnCpuLevel) (chosen - 1);
}

char *
nn_cpu_dup_description (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *name = NULL;

  /* Linux; elsewhere the name stays unknown */
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (cpuinfo, "\n", -1);

      for (size_t i = 0; lines[i] != NULL && name == NULL; i++)
        if (g_str_has_prefix (lines[i], "model name") && strchr (lines[i], ':') != NULL)
          name = g_strstrip (g_strdup (strchr (lines[i], ':') + 1));
    }
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL) || strlen (name) > 128)
    {
      g_free (name);
      name = g_strdup ("unknown CPU");
    }
  return g_strdup_printf ("%s (%s)", name, nn_cpu_level_name (nn_cpu_level ()));
}

guint
nn_cpu_n_cores (void)
{
#ifdef __linux__
  cpu_set_t mask;
  g_autoptr(GHashTable) cores = NULL;
  guint n;

  if (sched_getaffinity (0, sizeof mask, &mask) != 0)
    return g_get_num_processors ();
  cores = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
    {
      g_autofree char *path = NULL;
      g_autofree char *siblings = NULL;

      if (!CPU_ISSET (cpu, &mask))
        continue;
      /* the same list for every hardware thread of one core */
      path = g_strdup_printf ("/sys/devices/system/cpu/cpu%d/topology/core_cpus_list", cpu);
      if (!g_file_get_contents (path, &siblings, NULL, NULL))
        {
          g_free (path);
          path = g_strdup_printf ("/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
                                  cpu);
          if (!g_file_get_contents (path, &siblings, NULL, NULL))
            return g_get_num_processors ();
        }
      g_strstrip (siblings);
      g_hash_table_add (cores, g_steal_pointer (&siblings));
    }
  n = g_hash_table_size (cores);
  return n > 0 ? n : g_get_num_processors ();
#else
  return g_get_num_processors ();
#endif
}
