# Installed like any Debian tool (`cmake --install`, or the .deb CPack makes): the binary, hardware
# presets, docs, a man page made from --help, bash completion; and for C++ users the library, its
# headers and a CMake package: find_package(flopscope) -> flopscope::flopscope.
include(CMakePackageConfigHelpers)

install(TARGETS flopscope_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY hardware/ DESTINATION ${CMAKE_INSTALL_DATADIR}/flopscope/hardware FILES_MATCHING PATTERN "*.json")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES tools/packaging/flopscope.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME flopscope)

# help2man (Debian's help2man) runs the built binary: the page is what this build's --help says.
find_program(HELP2MAN help2man REQUIRED)
add_custom_command(OUTPUT flopscope.1
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/tools/packaging/make-manpage.sh $<TARGET_FILE:flopscope_cli>
          ${CMAKE_CURRENT_SOURCE_DIR}/docs/cli.md ${CMAKE_CURRENT_BINARY_DIR}/flopscope.1
  DEPENDS flopscope_cli tools/packaging/make-manpage.sh docs/cli.md
  COMMENT "Writing the man page from flopscope --help")
# Installed compressed, as Debian policy asks (-n: no name or time stamp, so the file is
# reproducible; -k keeps flopscope.1 for the tests).
add_custom_command(OUTPUT flopscope.1.gz
  COMMAND gzip -9nkf flopscope.1
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/flopscope.1
  COMMENT "Compressing the man page")
add_custom_target(flopscope_man ALL DEPENDS flopscope.1 flopscope.1.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/flopscope.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(TARGETS flopscope flopscope_core EXPORT flopscopeTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/flopscope DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/flopscope)
install(EXPORT flopscopeTargets NAMESPACE flopscope:: DESTINATION ${config_dir})
configure_package_config_file(tools/packaging/flopscopeConfig.cmake.in flopscopeConfig.cmake INSTALL_DESTINATION ${config_dir})
write_basic_package_version_file(flopscopeConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/flopscopeConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/flopscopeConfigVersion.cmake
        DESTINATION ${config_dir})

# `cpack -G DEB` in the build directory: flopscope_<version>_<arch>.deb. dpkg-shlibdeps turns the
# libraries the binary links (LibTorch, OpenBLAS through it, libseccomp, ...) into Debian dependencies,
# so the package asks for whichever LibTorch it was built against (1.13 on Debian 12, 2.6 on 13).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME flopscope)
set(CPACK_PACKAGE_VENDOR flopscope)
set(CPACK_PACKAGE_CONTACT "flopscope maintainers <maintainers@flopscope.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "exact FLOPs, MACs and parameters of TorchScript models, verified by running them")
set(CPACK_PACKAGE_DESCRIPTION "flopscope loads a TorchScript file with LibTorch, records every submodule call, counts it with a rule table and checks the count against the aten ops that ran. Reports: table, JSON, CSV, Markdown, HTML; rooflines on hardware presets.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The library's users build against LibTorch's and the other libraries' headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libtorch-dev, nlohmann-json3-dev, libseccomp-dev, libmuparser-dev, pkg-config, cmake")
include(CPack)
