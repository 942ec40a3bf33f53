"""Getting an artifact to the person: site folder, zip export, local static host, app launcher.

- `site.publish(artifact_dir, project, page) -> PublishedSite`: copy into
  `<state_dir>/sites/<project>/<page>/` (slugified, atomic replace, previous kept).
- `export.export_zip(artifact_dir, dest) -> Path`: deterministic zip, relative paths only.
- `server.serve(port)`: the local static host for the site folder
  (`python -m support_system serve`).
- `launcher.launch_gradio(artifact_dir) -> LaunchedApp`: a generated program's Gradio app,
  run in the sandbox and reachable from this computer only.

Import the submodules directly; this package imports nothing so `--help` stays fast.
"""
