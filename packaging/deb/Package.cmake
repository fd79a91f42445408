# The Debian package (scripts/package.sh runs cpack): everything the
# install rules put under the /usr prefix and in /etc/orchd, plus the
# maintainer scripts in this folder. Dependencies are what dpkg-shlibdeps
# finds the binaries and plugins linked to (so tcmalloc only when the build
# linked it), and adduser for the postinst.

set(ORCHD_PACKAGE_CONTACT "orchd maintainers <maintainers@orchd.example.org>" CACHE STRING
  "The package's Maintainer field and changelog signature")
string(TIMESTAMP ORCHD_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog @ONLY)
configure_file(${CMAKE_CURRENT_LIST_DIR}/conffiles.in ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles @ONLY)
file(COPY ${CMAKE_CURRENT_LIST_DIR}/postinst ${CMAKE_CURRENT_LIST_DIR}/postrm
  DESTINATION ${CMAKE_CURRENT_BINARY_DIR}/deb
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Debian wants the changelog compressed with -9 and no timestamp (-n).
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.gz
  COMMAND gzip -9nc ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog > ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.gz
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog
  VERBATIM)
add_custom_target(orchd_deb_changelog ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/deb/changelog.gz ${CMAKE_CURRENT_LIST_DIR}/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME orchd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ORCHD_PACKAGE_CONTACT})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "federated task-orchestration daemon")
set(CPACK_PACKAGE_DESCRIPTION "orchd runs as a master, which queues the tasks that clients submit over
WebSocket or HTTP and pushes them to its workers, or as a worker, which
runs them with task plugins on a shared store (SQLite, PostgreSQL or
MariaDB). Masters can form a federation that lends idle workers to a
saturated peer. The package holds orchd, the orchctl client, the echo and
saldo plugins, the headers for plugin authors, a systemd template unit
(orchd@NAME reads /etc/orchd/NAME.properties) and an orchd system user.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS libpoco-dev)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_BINARY_DIR}/deb/conffiles
  ${CMAKE_CURRENT_BINARY_DIR}/deb/postinst
  ${CMAKE_CURRENT_BINARY_DIR}/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
