"""The workbench's pages (st.Page scripts); a package so the layer contract sees their imports."""
