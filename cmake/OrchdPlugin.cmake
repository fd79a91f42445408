# orchd_add_plugin(NAME SOURCES file... [OUTPUT_DIR dir] [NO_INSTALL])
#
# Builds lib<NAME>.so as a Poco::ClassLoader plugin: hidden visibility (the
# host loads plugins with RTLD_GLOBAL, so two plugins' classes of the same
# name would otherwise collide), linked with the plugin API, put in the
# build's plugins/ folder and installed under LIBDIR/orchd/plugins.
function(orchd_add_plugin name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIR" "SOURCES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${ORCHD_PLUGIN_OUTPUT_DIR})
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE orchd_api)
  set_target_properties(${name} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR})
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${name} LIBRARY DESTINATION ${ORCHD_INSTALL_PLUGINDIR})
  endif()
endfunction()
