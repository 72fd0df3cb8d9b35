"""cfx's one HTTP stack (Starlette + uvicorn): `server` runs an app on a listener, `compose`
builds one app from the parts a node serves, `peers` names a connection's client certificate."""
