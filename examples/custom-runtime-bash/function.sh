# SPDX-License-Identifier: Apache-2.0
# The handler of the bash custom runtime: echoes the event to stderr (the function log) and
# answers with a JSON object that embeds it.
function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2
  RESPONSE="{\"echo\": $EVENT_DATA}"
  echo "$RESPONSE"
}
