"""heso.init: explicit arguments > environment variables > heso.toml > defaults; init again replaces."""

import os
import tempfile
import unittest
from unittest import mock

import heso
from heso.config import ConfigError, resolve


class ConfigOrderTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        with open(os.path.join(self.dir, "heso.toml"), "w", encoding="utf-8") as f:
            f.write('[heso]\nworkflow = "from-toml"\naccount = "acct_toml"\ntimeout = 30\nblocking = true\nteam = "team_toml"\n')

    def test_defaults_when_nothing_is_set(self):
        with tempfile.TemporaryDirectory() as empty:
            config = resolve({"project_root": empty}, environ={})
        self.assertEqual((config.workflow, config.timeout, config.blocking, config.bin), (None, 900.0, True, "heso"))

    def test_toml_over_defaults(self):
        config = resolve({}, environ={"HESO_PROJECT_ROOT": self.dir})
        self.assertEqual((config.workflow, config.account, config.timeout, config.team), ("from-toml", "acct_toml", 30.0, "team_toml"))

    def test_environment_over_toml(self):
        env = {"HESO_PROJECT_ROOT": self.dir, "HESO_WORKFLOW": "from-env", "HESO_TIMEOUT": "12.5", "HESO_BLOCKING": "0", "HESO_BIN": "/opt/heso", "HESO_CLOCK": "2026-03-02T09:15:00.000Z"}
        config = resolve({}, environ=env)
        self.assertEqual((config.workflow, config.account, config.timeout, config.blocking, config.bin, config.clock), ("from-env", "acct_toml", 12.5, False, "/opt/heso", "2026-03-02T09:15:00.000Z"))
        self.assertTrue(config.observe_only)

    def test_arguments_over_environment(self):
        env = {"HESO_PROJECT_ROOT": self.dir, "HESO_WORKFLOW": "from-env"}
        config = resolve({"workflow": "from-arg", "timeout": 5}, environ=env)
        self.assertEqual((config.workflow, config.timeout), ("from-arg", 5.0))

    def test_no_environment_variable_is_an_api_key(self):
        config = resolve({"project_root": self.dir}, environ={"HESO_API_KEY": "heso_secret"})
        self.assertIsNone(config.api_key)

    def test_api_key_in_toml_is_refused(self):
        with open(os.path.join(self.dir, "heso.toml"), "a", encoding="utf-8") as f:
            f.write('api_key = "heso_x"\n')
        with self.assertRaises(ConfigError):
            resolve({"project_root": self.dir}, environ={})

    def test_bad_values_say_what_is_wrong(self):
        with self.assertRaisesRegex(ConfigError, "HESO_BLOCKING"):
            resolve({"project_root": self.dir}, environ={"HESO_BLOCKING": "maybe"})
        with self.assertRaisesRegex(ConfigError, "HESO_TIMEOUT"):
            resolve({"project_root": self.dir}, environ={"HESO_TIMEOUT": "-1"})

    def test_init_again_replaces_the_active_configuration(self):
        with mock.patch.dict(os.environ, {"HESO_PROJECT_ROOT": self.dir}, clear=False):
            first = heso.init(workflow="one")
            self.assertIs(heso.config(), first)
            second = heso.init()
        self.assertEqual((first.workflow, second.workflow, heso.config().workflow), ("one", "from-toml", "from-toml"))


if __name__ == "__main__":
    unittest.main()
