#!/usr/bin/python3
"""ha_render.py: renders a Home Assistant template as HA would (Jinja2).

    ha_render.py TEMPLATE [STATE_JSON] [NAME=VALUE...]

STATE_JSON (a state payload) becomes value_json and value; NAME=VALUE
are more variables (a command template's effect, brightness...). Prints
the result; a template error exits 1 with Jinja2's message.
"""
import json
import sys

import jinja2


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    env = jinja2.Environment(undefined=jinja2.Undefined)
    variables = {}
    for arg in argv[2:]:
        if "=" in arg and not arg.lstrip().startswith("{"):
            name, value = arg.split("=", 1)
            variables[name] = value
        else:
            variables["value"] = arg
            variables["value_json"] = json.loads(arg)
    try:
        print(env.from_string(argv[1]).render(**variables))
    except jinja2.TemplateError as e:
        sys.exit("ha_render.py: %s" % e)


if __name__ == "__main__":
    main(sys.argv)
